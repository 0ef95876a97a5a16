import type { FleetContext } from '../core/index.js';
import type { Task } from '../core/index.js';
import { canTransition, transition } from '../tasks/index.js';

/**
 * Escalation: the task has used its retries. It goes to `escalated` with a summary of every
 * attempt and why it failed, and the human is told exactly once per attempt number
 * (`task.notified["escalated#<n>"]`, recorded under the registry lock before anything is sent).
 */

export interface EscalationNotice {
  taskId: string;
  /** The attempt number the escalation is about (the last one). */
  attempt: number;
  /** One line for notifications. */
  message: string;
  /** Every attempt and why it failed. */
  summary: string;
}

/**
 * Sends an escalation to the human exactly once per task and attempt: it claims
 * `task.notified["escalated#<attempt>"]` under the registry lock and sends only when the claim is
 * new. Returns whether it sent. Injectable: `notifyOnce` of the notify module fits as
 * `(ctx, n) => notifyOnce(ctx, n.taskId, 'escalated', n.attempt, n.message).then((o) => o.sent)`.
 */
export type EscalationNotifier = (ctx: FleetContext, notice: EscalationNotice) => Promise<boolean>;

/** Claims the notification key; true when this call is the first for it. */
export async function claimNotification(ctx: FleetContext, taskId: string, key: string, now = new Date()): Promise<boolean> {
  return ctx.registry.updateTask(taskId, (t) => {
    if (t.notified[key]) return false;
    t.notified[key] = now.toISOString();
    return true;
  });
}

/** The default: claim the key, then a fleet notification of kind `escalated` (store + event bus). */
export const defaultEscalationNotifier: EscalationNotifier = async (ctx, notice) => {
  if (!(await claimNotification(ctx, notice.taskId, `escalated#${notice.attempt}`))) return false;
  ctx.notifier.push({ kind: 'escalated', taskId: notice.taskId, message: notice.message });
  return true;
};

/** "attempt 1 (from main): ci_failed: failing checks: test" for every attempt. */
export function summariseAttempts(task: Task): string {
  return task.attempts
    .map((a) => {
      const why = a.failure ? `${a.failure.class}: ${a.failure.evidence.split('\n')[0]!.slice(0, 200)}` : a.state;
      const enriched = a.enrichment?.kinds.length ? ` [enriched: ${a.enrichment.kinds.join(', ')}]` : '';
      return `attempt ${a.n} (from ${a.startPoint}, branch ${a.branch})${enriched}: ${why}`;
    })
    .join('\n');
}

/** task.escalation (declared with the registry schema). */
export type { EscalationRecord } from '../core/index.js';

/** Marks the task escalated (inside a registry change) and returns the notice to send. */
export function markEscalated(task: Task, reason: string, now = new Date()): EscalationNotice {
  const n = task.attempts[task.attempts.length - 1]?.n ?? 0;
  const summary = summariseAttempts(task);
  // A stopped or ready task goes through failed (the state machine's way to escalated).
  if (task.state !== 'escalated' && !canTransition(task.state, 'escalated')) transition(task, 'failed', reason, now);
  if (task.state !== 'escalated') transition(task, 'escalated', reason, now);
  else task.reason = reason;
  task.escalation = { at: now.toISOString(), attempt: n, reason, summary };
  return { taskId: task.id, attempt: n, message: `${task.id} escalated: ${reason}`, summary };
}
