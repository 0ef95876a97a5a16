import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type HookRecorder } from '../agents/index.js';
import { assetPath, assertTaskId } from '../core/index.js';

/**
 * Hooks of an agent on a remote host (docs/hosts.md "Hooks on a host"). A host needs no node, so
 * the agent's hooks run one self-contained sh file of ours there (assets/host/flotilla-hook.sh),
 * which flotilla copies into its state folder on the host at launch, in the launch's own exec,
 * and replaces whenever its version line differs. It records hook events into a file per attempt
 * on the host and answers the stop gate from a spec file written at launch; the log copy brings
 * the events and the gate's block count back (remote-tmux-runtime.ts).
 */
export const HOST_HOOK_FILE = 'flotilla-hook.sh';

/** Bumped by hand for a change of meaning; the content hash beside it changes with any edit. */
const HOOK_FORMAT = 1;

let cached: { text: string; version: string } | null = null;

/** The sh file as copied to a host: its second line carries the version the launch compares. */
export function hostHookScript(): { text: string; version: string } {
  if (cached) return cached;
  const raw = readFileSync(assetPath('host', HOST_HOOK_FILE), 'utf8');
  const lines = raw.split('\n');
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 12);
  const version = `# flotilla-hook-version ${HOOK_FORMAT}-${hash}`;
  lines[1] = version;
  cached = { text: lines.join('\n'), version };
  return cached;
}

/** The files of one attempt's hooks on a host, under flotilla's state folder there. */
export interface HostHookFiles {
  script: string;
  dir: string;
  /** Hook events, one JSON line each (copied back into the task's local events file). */
  events: string;
  /** What the stop gate checks (written at launch). */
  gateSpec: string;
  /** One line per stop the gate blocked (copied back into attempt.stopGateBlocks). */
  blocks: string;
  /** Prefix of the gate's check logs. */
  logs: string;
}

export function hostHookFiles(stateDir: string, taskId: string, attempt: number): HostHookFiles {
  const dir = `${stateDir}/hooks`;
  const base = `${dir}/${assertTaskId(taskId)}-a${attempt}`;
  return { script: `${stateDir}/${HOST_HOOK_FILE}`, dir, events: `${base}.jsonl`, gateSpec: `${base}.gate`, blocks: `${base}.blocks`, logs: base };
}

/** The recorder and stop-gate argv an agent's hooks run on the host (argv words; the adapter quotes them). */
export function hostRecorder(files: HostHookFiles, stopGate: boolean): HookRecorder {
  return {
    argv: (event) => ['sh', files.script, 'record', files.events, event],
    ...(stopGate ? { stopGate: ['sh', files.script, 'gate', files.gateSpec] } : {}),
  };
}

/** One field of the gate spec on one line: a backslash is written `\\`, a newline `\n` (the sh file decodes both). */
export function specField(value: string): string {
  return value.replace(/\0/g, '').replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export interface GateSpecInput {
  worktree: string;
  attempt: number;
  maxBlocks: number;
  files: HostHookFiles;
  checks: ReadonlyArray<{ name: string; command: readonly string[]; timeoutSec: number }>;
}

/**
 * The gate spec: data, never shell. Header lines, then per check its name, timeout and one `arg`
 * line per argv word, which the sh file collects into "$@" and runs without a shell.
 */
export function gateSpecText(input: GateSpecInput): string {
  const lines = [
    'flotilla-gate 1',
    `worktree ${specField(input.worktree)}`,
    `attempt ${input.attempt}`,
    `max ${input.maxBlocks}`,
    `blocks ${specField(input.files.blocks)}`,
    `logs ${specField(input.files.logs)}`,
  ];
  for (const c of input.checks) {
    lines.push(`check ${specField(c.name)}`, `timeout ${Math.max(1, Math.round(c.timeoutSec))}`);
    for (const word of c.command) lines.push(`arg ${specField(word)}`);
  }
  lines.push('end');
  return `${lines.join('\n')}\n`;
}

/** What the launch exec sets up on the host for one agent (remote-tmux-runtime.ts). */
export interface HostHookSetup {
  files: HostHookFiles;
  /** The gate spec's text, or null when the stop gate is off. */
  gateSpec: string | null;
  /** Claude Code's trust entry for the worktree's folder (config trustWorktrees): its config file there, or "" for `$HOME/.claude.json`. */
  trustClaude: string | null;
}
