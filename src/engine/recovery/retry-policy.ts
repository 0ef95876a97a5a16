import type { FailureClass } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import type { Task } from '../core/index.js';
import { processAlive as pidAlive } from '../exec/index.js';

/** Retry policy: where a retry starts from, whether the agent still runs, and the caps. */

/** Classes whose retry continues from the previous attempt's branch; the rest start again from base. */
export const CONTINUE_FROM_BRANCH: ReadonlySet<FailureClass> = new Set([
  'ci_failed',
  'review_flagged',
  'conflicts',
  'crashed',
  'context_exhausted',
  'needs_knowledge',
]);


/**
 * Whether the task's agent is running: the session manager says so, or the registry names a live
 * process for the latest attempt's session (a session of another flotilla process).
 */
export async function sessionAlive(fleet: FleetContext, task: Task): Promise<boolean> {
  if (fleet.sessions) {
    try {
      if (await fleet.sessions.isAlive(task.id)) return true;
    } catch {
      // fall back to the registry
    }
  }
  const session = task.attempts[task.attempts.length - 1]?.session;
  return Boolean(session && session.state !== 'exited' && pidAlive(session.pid));
}

/** CI rounds spent: failing CI runs over all attempts (at least one per attempt that failed on CI). */
export function ciRoundsUsed(task: Task): number {
  return task.attempts.reduce((n, a) => n + Math.max(a.ciRounds, a.failure?.class === 'ci_failed' ? 1 : 0), 0);
}

/** Why a further attempt would break a cap, or null. */
export function capReached(fleet: FleetContext, task: Task, cls: FailureClass | null): string | null {
  const { maxAttempts, maxCiRounds } = fleet.config.recovery;
  if (task.attempts.length >= maxAttempts) return `${task.attempts.length} of ${maxAttempts} attempts used (recovery.maxAttempts)`;
  // maxCiRounds is the number of retries a CI failure may cause: the (maxCiRounds+1)th failing round escalates.
  if (cls === 'ci_failed' && ciRoundsUsed(task) > maxCiRounds) {
    return `CI failed ${ciRoundsUsed(task)} times; recovery.maxCiRounds allows ${maxCiRounds} retries after CI failures`;
  }
  return null;
}
