import type { FailureClass } from '../core/index.js';
import type { SessionState, Task } from '../core/index.js';
import type { AttemptProbe } from '../git/index.js';
import { processAlive as pidAlive } from '../exec/index.js';

/** What the monitor knows about an attempt's session this pass. */
export interface SessionView {
  /** Last status written by the session runtime, or null before it started. */
  state: SessionState | null;
  /** Whether the process (or tmux session) is alive; null when it cannot be told. */
  alive: boolean | null;
  exitCode: number | null;
  pid: number | null;
  /** When the session entered its current state (ISO), if known. */
  since?: string | null;
}

/** The monitor's decision for one task this pass. Pure: computed from registry, session and git facts. */
export type Decision =
  | { kind: 'none'; why?: string }
  /** The worktree or branch is gone: the task fails with this reason, for the human. */
  | { kind: 'problem'; reason: string }
  | { kind: 'fail'; class: FailureClass; evidence: string }
  /** The agent finished with commits and a clean tree: running -> checking. */
  | { kind: 'finish'; reason: string }
  /** The agent works again after it had finished: checking/ready -> running. */
  | { kind: 'resume'; reason: string }
  /** The agent waits for the human. */
  | { kind: 'waiting' }
  /** Evaluate PR, CI and gates. */
  | { kind: 'evaluate' };

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/**
 * `idleGraceMs`: an agent that is idle but alive gets this long before having no commits (or
 * uncommitted work) counts as no progress; a quiet agent may only be thinking. Exited agents get none.
 */
export function decide(task: Task, session: SessionView, probe: AttemptProbe, o: { now?: Date; idleGraceMs?: number } = {}): Decision {
  if (!probe.worktreeExists || !probe.branchExists) return { kind: 'problem', reason: probe.problem ?? 'worktree or branch missing' };
  if (!probe.baseExists) return { kind: 'problem', reason: probe.problem ?? `base ${task.base} missing` };
  if (probe.problem) return { kind: 'none', why: probe.problem };

  const alive = session.alive ?? (session.state !== null && session.state !== 'exited');
  const busy = alive && (session.state === 'working' || session.state === 'starting');
  const waiting = alive && session.state === 'waiting';

  if (task.state === 'checking' || task.state === 'ready') {
    if (busy || waiting) return { kind: 'resume', reason: `agent is ${session.state} again` };
    return { kind: 'evaluate' };
  }
  if (task.state !== 'running') return { kind: 'none' };
  if (session.state === null) return { kind: 'none', why: 'session not started' };
  if (busy) return { kind: 'none' };
  if (waiting) return { kind: 'waiting' };

  const how = alive ? 'agent is idle' : 'agent exited';
  const commits = plural(probe.ahead, 'commit');
  // No commit of this attempt's own: none ahead of base, or the head is still the branch it
  // continued from (a retry that changed nothing must not count the earlier attempt's work).
  const unchanged = probe.ahead > 0 && Boolean(probe.startSha) && probe.headSha === probe.startSha;
  const noCommits = probe.ahead === 0 || unchanged;
  const noCommitsText = unchanged ? 'no commits since it started from the previous branch' : `no commits ahead of ${task.base}`;
  if (!alive && session.exitCode !== null && session.exitCode !== 0) {
    return { kind: 'fail', class: 'crashed', evidence: `agent exited with code ${session.exitCode} (${commits} ahead of ${task.base})` };
  }
  if (!alive && session.state !== 'exited' && noCommits) {
    return {
      kind: 'fail',
      class: 'crashed',
      evidence: `agent process ${session.pid ?? '(unknown pid)'} is gone while its status was "${session.state}", with no commits`,
    };
  }
  const unfinished = noCommits || !probe.clean;
  if (unfinished && alive && o.idleGraceMs && session.since) {
    const idleMs = (o.now ?? new Date()).getTime() - Date.parse(session.since);
    if (idleMs < o.idleGraceMs) return { kind: 'none', why: 'idle for less than the grace time' };
  }
  if (noCommits) return { kind: 'fail', class: 'no_progress', evidence: `${how} with ${noCommitsText}` };
  if (!probe.clean) {
    const files = probe.dirty.slice(0, 10).join(', ') + (probe.dirty.length > 10 ? `, … (${probe.dirty.length})` : '');
    return { kind: 'fail', class: 'no_progress', evidence: `${how} with uncommitted changes: ${files}` };
  }
  return { kind: 'finish', reason: `${how} with ${commits}` };
}

