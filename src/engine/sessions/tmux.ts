import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/index.js';

/**
 * flotilla's own tmux: a private server per repository (`tmux -L flotilla-<hash>`) started with
 * flotilla's config file, so the user's tmux and its key bindings are never involved.
 */
export const TMUX_CONF = `# Written by flotilla for its private tmux server. Edits are overwritten.
set -g status off
set -g prefix None
set -g prefix2 None
unbind-key -a -T prefix
set -g escape-time 0
set -g remain-on-exit on
set -g history-limit 5000
set -g default-terminal "xterm-256color"
set -ga terminal-overrides ",*:Tc"
set -g mouse off
set -g set-titles off
set -g allow-rename off
set -g focus-events on
set -g extended-keys off
set -g window-size latest
set -g aggressive-resize on
set -g destroy-unattached off
set -g exit-empty on
`;

export function tmuxSocketName(repoRoot: string): string {
  const override = process.env.FLOTILLA_TMUX_SOCKET;
  if (override && /^[A-Za-z0-9_.-]+$/.test(override)) return override;
  return `flotilla-${createHash('sha1').update(repoRoot).digest('hex').slice(0, 10)}`;
}

export function tmuxConfFile(stateDir: string): string {
  return join(stateDir, 'tmux.conf');
}

export async function writeTmuxConf(stateDir: string): Promise<string> {
  const file = tmuxConfFile(stateDir);
  await writeFileAtomic(file, TMUX_CONF);
  return file;
}

/** `-t` value naming a session exactly (no prefix matching) and its active pane. */
export function target(name: string): string {
  return `=${name}:`;
}

export const PANE_FORMAT = '#{session_name}\t#{pane_pid}\t#{pane_dead}\t#{pane_dead_status}';

export interface PaneRow {
  name: string;
  pid: number | null;
  dead: boolean;
  exitCode: number | null;
}

/** Parses `list-panes -a -F PANE_FORMAT` output (first pane of each session). */
export function parsePaneRows(text: string): PaneRow[] {
  const seen = new Map<string, PaneRow>();
  for (const line of text.split('\n')) {
    const [name, pid, dead, status] = line.split('\t');
    if (!name || seen.has(name)) continue;
    const p = Number.parseInt(pid ?? '', 10);
    const code = Number.parseInt(status ?? '', 10);
    seen.set(name, {
      name,
      pid: Number.isInteger(p) && p > 0 ? p : null,
      dead: dead === '1',
      exitCode: dead === '1' && Number.isInteger(code) ? code : null,
    });
  }
  return [...seen.values()];
}

const TASK_MARKERS = new Set(['FLOTILLA_TASK', 'FLOTILLA_ATTEMPT', 'FLOTILLA_CHECK', 'FLOTILLA_HOLDER']);

/** Env for tmux clients: never nested inside the user's own tmux. */
export function clientEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  // No task marker (FLOTILLA_TASK, ...): the tmux server started from such a client must never be
  // mistaken for a task's process by a sweep.
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE' && !TASK_MARKERS.has(k)) env[k] = v;
  return { ...env, TERM: 'xterm-256color', ...extra };
}
