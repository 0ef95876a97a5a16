import type { FailureClass } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import type { Task } from '../core/index.js';
import { processAlive as pidAlive } from '../exec/index.js';
import { capFor } from './decide-retry.js';

/** Retry policy: where a retry starts from, whether the agent still runs, and the caps. */

export { CONTINUE_FROM_BRANCH } from './decide-retry.js';

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
  return capFor(fleet.config.recovery, task, cls);
}
