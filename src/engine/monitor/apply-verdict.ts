import type { Attempt, MonitorChange, Task } from '../core/index.js';
import type { GateVerdict } from '../gates/index.js';
import { failAttempt, move } from './apply.js';

/** What a pass saw of the attempt when it evaluated its gates. */
export interface VerdictSeen {
  /** The head commit the pass probed. */
  headSha: string | null;
  /** Whether the forge answered with a PR this pass. */
  hasPr: boolean;
  /** The CI checks as `name=state,…` this pass read, or null when it read none. */
  ciSeen: string | null;
  verdict: GateVerdict;
  now: Date;
}

/** What applying a verdict did: the change lines, and whether `ready` is to be notified now. */
export type VerdictApplied = { lines: MonitorChange[]; ready: boolean };

export function checkStates(checks: ReadonlyArray<{ name: string; state: string }>): string {
  return checks.map((c) => `${c.name}=${c.state}`).join(',');
}

/**
 * Decides what a gate verdict does to a task (as read under the registry lock) and applies it to
 * that record: all pass → `ready` (attempt finished); a failure → attempt and task failed with its
 * class and evidence; pending on a ready task → back to `checking`. Pure: it touches only `task`.
 *
 * - null: the record shows a newer head than this pass probed; a later pass owns the verdict.
 * - 'stale': another process settled this head meanwhile (its CI or a gate it ran): nothing of this
 *   verdict is applied but the gates this pass settled, so the next evaluation reuses them.
 */
export function applyVerdict(task: Task, attempt: Attempt, seen: VerdictSeen): VerdictApplied | 'stale' | null {
  const head = seen.headSha;
  const { verdict, now } = seen;
  if (task.pr && seen.hasPr && task.pr.headSha !== head) return null;
  const settledFor = (g: { state: string; headSha?: unknown } | undefined) => Boolean(g && g.headSha === head && (g.state === 'pass' || g.state === 'fail'));
  let stale = seen.ciSeen !== null && task.pr !== null && task.pr.headSha === head && checkStates(task.pr.checks) !== seen.ciSeen;
  for (const [name, mine] of Object.entries(verdict.results)) {
    if (mine.state === 'pending' && settledFor(task.gates[name])) stale = true;
  }
  if (stale) {
    for (const [name, mine] of Object.entries(verdict.results)) {
      if (settledFor(mine) && !settledFor(task.gates[name])) task.gates[name] = mine;
    }
    return 'stale';
  }
  const lines: MonitorChange[] = [];
  for (const [name, result] of Object.entries(verdict.results)) {
    const was = task.gates[name];
    if (!was || was.state !== result.state) {
      lines.push({ taskId: task.id, attempt: attempt.n, what: name === 'ci' ? 'ci' : 'gate', message: `gate ${name}: ${was?.state ?? 'none'} → ${result.state} (${result.detail})` });
    }
  }
  task.gates = verdict.results;
  if (verdict.verdict === 'pass') {
    attempt.state = 'finished';
    const moved = move(task, 'ready', 'all gates passed', now);
    if (moved) lines.unshift(moved);
  } else if (verdict.verdict === 'fail' && verdict.failure) {
    lines.push(...failAttempt(task, attempt, verdict.failure.class, verdict.failure.evidence, now));
  } else if (task.state === 'ready') {
    const moved = move(task, 'checking', 'a gate is pending again', now);
    if (moved) lines.unshift(moved);
  }
  return { lines, ready: task.state === 'ready' && !task.notified[`ready#${attempt.n}`] };
}
