import { errorMessage } from '../core/index.js';
import { recordLearningIfReady } from './learn.js';
import { autoRetryTask, type DeferredRetry, type RecoveryDeps, type RecoveryFleet, type RetryResult } from './retry.js';

/**
 * One automatic pass (run by the monitor after each of its passes): every `failed` task whose
 * failure class is in config.recovery.auto is retried, or escalated past its cap; every `ready`
 * task whose last attempt was enriched gets its learning recorded (once). Errors are reported as
 * events, never thrown; returns the retries and escalations done (and, with deps.deferRetry, the
 * retries that were due but left to a later pass).
 */
export async function autoRetryPass(fleet: RecoveryFleet, deps: RecoveryDeps = {}): Promise<Array<RetryResult | DeferredRetry>> {
  const results: Array<RetryResult | DeferredRetry> = [];
  let data;
  try {
    data = await fleet.registry.read();
  } catch (err) {
    fleet.events.emit({ type: 'error', message: `recovery: ${errorMessage(err)}` });
    return results;
  }
  for (const task of data.tasks) {
    if (task.state === 'ready') {
      // Only a ready task whose last attempt was enriched and not yet learned from costs a look.
      const last = task.attempts[task.attempts.length - 1];
      const learned = task.learned;
      if (!last?.enrichment || learned?.[String(last.n)]) continue;
      await recordLearningIfReady(fleet, task.id).catch((err: unknown) =>
        fleet.events.emit({ type: 'error', message: `recovery: ${task.id}: learning: ${errorMessage(err)}` }),
      );
      continue;
    }
    if (task.state !== 'failed' || !task.attempts.length) continue;
    try {
      const result = await autoRetryTask(fleet, task.id, deps);
      if (result) results.push(result);
    } catch (err) {
      fleet.events.emit({ type: 'error', message: `recovery: ${task.id}: ${errorMessage(err)}` });
    }
  }
  return results;
}
