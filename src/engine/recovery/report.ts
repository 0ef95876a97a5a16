import type { MonitorChange } from '../core/index.js';
import type { DeferredRetry, RetryResult } from './retry.js';

/** One line for `check` / `watch` about what the automatic recovery pass did to a task. */
export function recoveryChange(r: RetryResult | DeferredRetry): MonitorChange {
  switch (r.outcome) {
    case 'retried': {
      if (r.reused) return { taskId: r.taskId, attempt: r.attempt, what: 'retry', message: `attempt ${r.attempt} goes on in its worktree${r.sent ? ` (sent "${r.sent}")` : ''}` };
      const told = r.kinds.length ? `; told: ${r.kinds.join(', ')}` : '';
      const started = r.started ? 'started' : `pending${r.startError ? ` (start failed: ${r.startError})` : ''}; start it: flotilla start ${r.taskId}`;
      return {
        taskId: r.taskId,
        attempt: r.attempt,
        what: 'retry',
        message: `retried as attempt ${r.attempt} from ${r.startPoint} (${r.class ?? 'manual'}${told}): ${started}`,
      };
    }
    case 'escalated':
      return {
        taskId: r.taskId,
        attempt: r.attempt,
        what: 'escalated',
        message: `escalated: ${r.reason}${r.notified ? ' (notified)' : ''}`,
      };
    case 'deferred':
      return { taskId: r.taskId, attempt: r.attempt, what: 'retry', message: `retry after ${r.class ?? 'a failure'} not started here: ${r.reason}` };
  }
}
