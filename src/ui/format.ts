import type { FlotillaConfig, GateConfig } from '../engine/index.js';
import type { GateState, Task } from '../engine/index.js';
import { safeText } from '../engine/index.js';
import { charWidth } from './screen-text.js';

/** Pure formatting helpers of the fleet view (glyphs, colours, costs, ages). */

export interface Glyph {
  glyph: string;
  color: string;
}

const SESSION_GLYPH: Record<string, Glyph> = {
  starting: { glyph: '◌', color: 'blue' },
  working: { glyph: '●', color: 'green' },
  waiting: { glyph: '◆', color: 'yellow' },
  idle: { glyph: '◐', color: 'cyan' },
  exited: { glyph: '■', color: 'red' },
};

const STATE_GLYPH: Record<string, Glyph> = {
  new: { glyph: '○', color: 'gray' },
  queued: { glyph: '◌', color: 'gray' },
  blocked: { glyph: '⊘', color: 'yellow' },
  running: { glyph: '●', color: 'green' },
  checking: { glyph: '◎', color: 'blue' },
  ready: { glyph: '✓', color: 'green' },
  failed: { glyph: '✗', color: 'red' },
  escalated: { glyph: '‼', color: 'magenta' },
  stopped: { glyph: '□', color: 'gray' },
  paused: { glyph: '‖', color: 'yellow' },
};

const MERGED_GLYPH: Glyph = { glyph: '◉', color: 'magenta' };
export const ORCHESTRATOR_GLYPH = '◈';

/** The coordinator session (kind "orchestrator"): pinned on top, no gates or PR of its own. */
export function isOrchestratorTask(task: Task): boolean {
  return task.kind === 'orchestrator';
}

function prMerged(task: Task): boolean {
  return task.pr?.state === 'merged';
}

/** The status glyph of a task: the live session's state while running, else the task's state. */
export function statusGlyph(task: Task): Glyph {
  if (prMerged(task)) return MERGED_GLYPH;
  const session = task.attempts.at(-1)?.session;
  if (task.state === 'running' && session) return SESSION_GLYPH[session.state] ?? STATE_GLYPH.running!;
  return STATE_GLYPH[task.state] ?? { glyph: '?', color: 'white' };
}

/** The status word: task state, plus the session's state when it says more. */
export function statusText(task: Task): string {
  if (prMerged(task)) return 'merged';
  if (task.state === 'paused' && task.pause) return `paused ${clockText(task.pause.until)}`;
  if (task.state === 'failed' && task.attempts.at(-1)?.failure?.class === 'environment') return 'needs you';
  const session = task.attempts.at(-1)?.session;
  if (task.state === 'running' && session && session.state !== 'working') return `${task.state}/${session.state}`;
  return task.state;
}

/** Remote hosts that stopped answering (the store's hostsDown). */
export type HostsDown = Readonly<Record<string, { since: string; message: string | null }>>;

/**
 * The host of a task's current attempt when it is not this machine, and whether that host is down
 * (only a running attempt waits on it). null for a task on this machine.
 */
export function taskHost(task: Task, down: HostsDown = {}): { name: string; downSince: string | null; message: string | null } | null {
  const attempt = task.attempts.at(-1);
  if (!attempt?.host || attempt.host === 'local') return null;
  const d = attempt.state === 'running' ? down[attempt.host] : undefined;
  return { name: attempt.host, downSince: d?.since ?? null, message: d?.message ?? null };
}

/** "@box" or "@box unreachable since 15:04" (this machine's zone), for the row and the pane title. */
export function hostText(host: { name: string; downSince: string | null }): string {
  return host.downSince ? `@${host.name} unreachable since ${clockText(host.downSince)}` : `@${host.name}`;
}

/** The pane title's part: "on host box", or "host box unreachable since 15:04 (ssh's reason)". */
export function paneHostText(host: { name: string; downSince: string | null; message: string | null }): string {
  return host.downSince ? `host ${host.name} unreachable since ${clockText(host.downSince)}${host.message ? ` (${host.message})` : ''}` : `on host ${host.name}`;
}

/** "15:04" today, "Dec 5 15:04" another day (this machine's zone). */
function clockText(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '?';
  const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  if (at.toDateString() === now.toDateString()) return hm;
  return `${at.toLocaleString('en-US', { month: 'short' })} ${at.getDate()} ${hm}`;
}

/**
 * What the human should read about a task that waits on the machine, not on the work: the agent's
 * own words after an environment failure, the pause and its reset time. Safe (one line), or ''.
 */
export function needsYouText(task: Task): string {
  const failure = task.attempts.at(-1)?.failure;
  if (task.state === 'failed' && failure?.class === 'environment') return safeText(failure.evidence).replace(/\s+/g, ' ').slice(0, 240);
  if (task.state === 'paused') return safeText(task.reason ?? 'paused').replace(/\s+/g, ' ').slice(0, 240);
  return '';
}

export const GATE_GLYPH: Record<GateState | 'none', Glyph> = {
  pass: { glyph: '✓', color: 'green' },
  fail: { glyph: '✗', color: 'red' },
  pending: { glyph: '…', color: 'yellow' },
  skip: { glyph: '-', color: 'gray' },
  none: { glyph: '·', color: 'gray' },
};

export function gateName(gate: GateConfig): string {
  return typeof gate === 'string' ? gate : gate.name;
}

/** One entry per gate: configured gates in config order (· when not evaluated), then any others. */
export function gateList(task: Task, config: FlotillaConfig): Array<{ name: string; state: GateState | 'none'; detail: string }> {
  const names = config.gates.map(gateName);
  for (const name of Object.keys(task.gates)) if (!names.includes(name)) names.push(name);
  return names.map((name) => {
    const g = task.gates[name];
    return { name, state: g?.state ?? 'none', detail: g?.detail ?? 'not evaluated yet' };
  });
}

/** Cost so far: "$1.23", "?" when usage exists but cannot be priced, "-" when none recorded. */
export function formatCost(cost: Task['cost']): string {
  if (!cost) return '-';
  const usd = cost.usd;
  // An entry with no usage yet (effort only: the agent has not finished a request) is none recorded.
  if (cost.tokens === 0 && !(typeof usd === 'number' && usd > 0)) return '-';
  if (typeof usd === 'number' && Number.isFinite(usd)) return formatUsd(usd);
  return '?';
}

export function formatUsd(usd: number): string {
  return usd < 10 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(1)}`;
}

/** "5s", "3m", "2h", "4d" since an ISO time. */
export function age(iso: string, now: number = Date.now()): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms) || ms < 0) return '0s';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Columns a line of text takes in a terminal (wide characters count two). */
export function textWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += charWidth(ch.codePointAt(0)!);
  return width;
}

/** Fits text into `width` columns (ellipsis when cut, padded otherwise); wide characters count two. */
export function fit(unsafe: string, width: number): string {
  if (width <= 0) return '';
  // Cells may hold outside text (ids from a tampered registry, agent names, check names).
  const text = safeText(unsafe).replace(/[\n\t]/g, ' ');
  const total = textWidth(text);
  if (total <= width) return text + ' '.repeat(width - total);
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = charWidth(ch.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…${' '.repeat(width - 1 - used)}`;
}

/**
 * The rows of the list: the orchestrator first (whatever the filter), then the tasks matching the
 * filter (case-insensitive substring of id, title, agent, state, shown state or a tag).
 */
export function filterTasks(tasks: readonly Task[], filter: string): Task[] {
  const f = filter.trim().toLowerCase();
  const pinned = tasks.filter(isOrchestratorTask);
  const rest = tasks.filter((t) => !isOrchestratorTask(t));
  if (!f) return [...pinned, ...rest];
  return [...pinned, ...rest.filter((t) => [t.id, t.title, t.agent, t.state, statusText(t), ...t.tags].some((v) => v.toLowerCase().includes(f)))];
}

export function liveSession(task: Task | undefined): boolean {
  const s = task?.attempts.at(-1)?.session;
  return Boolean(s && s.state !== 'exited');
}
