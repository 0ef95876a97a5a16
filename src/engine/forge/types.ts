import type { FleetContext } from '../core/index.js';
import type { AttemptProbe } from '../git/index.js';
import type { Attempt, CheckRun, PullRequest, Task } from '../core/index.js';

/** Everything a forge needs to act on one task's latest attempt. */
export interface ForgeTarget {
  task: Task;
  attempt: Attempt;
  probe: AttemptProbe;
  /** Cancels long work (checks) when flotilla stops. */
  signal?: AbortSignal;
}

/** The CI state of a PR's head. */
export interface CiStatus {
  state: 'pass' | 'fail' | 'pending' | 'skip';
  detail: string;
  checks: CheckRun[];
}

/** A forge that cannot be used right now (gh missing, not logged in, odd output): one clear line. */
export interface ForgeDegraded {
  degraded: string;
}

export type ForgeResult<T> = T | ForgeDegraded;

export function isDegraded<T>(r: ForgeResult<T>): r is ForgeDegraded {
  return typeof r === 'object' && r !== null && 'degraded' in r;
}

/**
 * Where pull requests and CI live. `local` keeps the PR in the registry and runs config.checks;
 * `github` talks to GitHub through gh. Implementations write task.pr themselves, under the
 * registry lock, and return what they wrote.
 */
export interface Forge {
  readonly kind: 'local' | 'github';
  /** Finds the attempt's PR or opens one; refreshes its head, commits and diffstat. */
  ensurePr(ctx: FleetContext, target: ForgeTarget): Promise<ForgeResult<PullRequest>>;
  /** CI for the PR's current head; the local forge runs the checks here when they have not run yet. */
  ci(ctx: FleetContext, target: ForgeTarget, pr: PullRequest): Promise<ForgeResult<CiStatus>>;
}

/** Combines check runs into one CI state. */
export function summariseChecks(checks: readonly CheckRun[]): CiStatus {
  if (checks.length === 0) return { state: 'skip', detail: 'no checks', checks: [] };
  const failed = checks.filter((c) => c.state === 'fail');
  const pending = checks.filter((c) => c.state === 'pending');
  const passed = checks.filter((c) => c.state === 'pass').length;
  if (failed.length) {
    const first = failed[0]!;
    return { state: 'fail', detail: `${failed.map((c) => c.name).join(', ')} failed: ${first.detail}`.slice(0, 300), checks: [...checks] };
  }
  if (pending.length) return { state: 'pending', detail: `${pending.length} running, ${passed} passed`, checks: [...checks] };
  return { state: 'pass', detail: `${passed}/${checks.length} passed`, checks: [...checks] };
}
