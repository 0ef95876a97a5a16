import type { Failure, FailureClass, FlotillaConfig, Task } from '../core/index.js';
import { ciRoundsUsed } from './retry-policy.js';

/** What the retry decision looks at: data only (the session and the classification are read before). */
export interface RetryFacts {
  /** The task, its latest attempt carrying the failure found this time. */
  task: Task;
  failure: Failure | null;
  /** An automatic retry (a monitor pass), not one asked for by the human. */
  auto: boolean;
  /** The human retries past the caps. */
  force: boolean;
  /** The task's agent still runs (idle: a busy one is left alone before this). */
  alive: boolean;
  recovery: Pick<FlotillaConfig['recovery'], 'auto' | 'maxAttempts' | 'maxCiRounds'>;
  /** Set when automatic retries cannot be made here (a one-shot pass on the pty runtime). */
  deferRetry?: string;
}

export type RetryDecision =
  /** Not retried automatically (the class is not in recovery.auto): only the failure is recorded. */
  | { kind: 'leave' }
  | { kind: 'escalate'; reason: string }
  | { kind: 'defer'; reason: string }
  /** A new attempt: from the previous branch or from base; an idle agent is stopped first. */
  | { kind: 'retry'; stopAgent: boolean; continueFromBranch: boolean };

/** Classes whose retry continues from the previous attempt's branch; the rest start again from base. */
export const CONTINUE_FROM_BRANCH: ReadonlySet<FailureClass> = new Set([
  'ci_failed',
  'review_flagged',
  'conflicts',
  'crashed',
  'context_exhausted',
  'needs_knowledge',
]);

/** Why a further attempt would break a cap, or null. */
export function capFor(recovery: RetryFacts['recovery'], task: Task, cls: FailureClass | null): string | null {
  const { maxAttempts, maxCiRounds } = recovery;
  if (task.attempts.length >= maxAttempts) return `${task.attempts.length} of ${maxAttempts} attempts used (recovery.maxAttempts)`;
  // maxCiRounds is the number of retries a CI failure may cause: the (maxCiRounds+1)th failing round escalates.
  if (cls === 'ci_failed' && ciRoundsUsed(task) > maxCiRounds) {
    return `CI failed ${ciRoundsUsed(task)} times; recovery.maxCiRounds allows ${maxCiRounds} retries after CI failures`;
  }
  return null;
}

/**
 * Retry, escalate, defer or leave a failed task: the whole decision of `retryTask` and
 * `autoRetryTask` once the agent's state and the failure class are known, with no I/O.
 */
export function decideRetry(f: RetryFacts): RetryDecision {
  const cls = f.failure?.class ?? null;
  if (f.auto && (!cls || !f.recovery.auto.includes(cls))) return { kind: 'leave' };
  const cap = f.force ? null : capFor(f.recovery, f.task, cls);
  if (cap) return { kind: 'escalate', reason: cap };
  // An agent command that is not installed fails the same way every time: the human must fix the
  // profile or install the agent, so an automatic retry goes straight to escalation.
  const session = f.task.attempts.at(-1)?.session;
  const notFound = session?.state === 'exited' && /^command not found/.test(session.message ?? '') ? session.message! : null;
  if (f.auto && notFound) return { kind: 'escalate', reason: `${notFound}: install it or fix the profile, then flotilla retry ${f.task.id}` };
  // Nothing is changed: a later pass (a running loop) classifies again and retries.
  if (f.auto && f.deferRetry) return { kind: 'defer', reason: f.deferRetry };
  return { kind: 'retry', stopAgent: f.alive, continueFromBranch: cls === null || CONTINUE_FROM_BRANCH.has(cls) };
}
