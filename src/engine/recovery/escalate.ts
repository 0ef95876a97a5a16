import { randomUUID } from 'node:crypto';
import type { FleetContext } from '../fleet/context.js';
import { pushNotification } from '../fleet/store.js';
import type { Task } from '../tasks/schema.js';
import { transition } from '../tasks/state-machine.js';

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

/** Sends an escalation to the human. Injectable; the default pushes a fleet notification. */
export type EscalationNotifier = (ctx: FleetContext, notice: EscalationNotice) => Promise<void> | void;

export const defaultEscalationNotifier: EscalationNotifier = (ctx, notice) => {
  const notification = {
    id: randomUUID(),
    at: new Date().toISOString(),
    kind: 'escalated' as const,
    taskId: notice.taskId,
    message: notice.message,
  };
  pushNotification(ctx.store, notification);
  ctx.events.emit({ type: 'notification', notification });
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

export interface EscalationRecord {
  at: string;
  attempt: number;
  reason: string;
  summary: string;
}

/**
 * Marks the task escalated (inside a registry change) and claims the notification key.
 * Returns the notice to send, or null when it was already sent for this attempt.
 */
export function markEscalated(task: Task, reason: string, now = new Date()): EscalationNotice | null {
  const last = task.attempts[task.attempts.length - 1];
  const n = last?.n ?? 0;
  const summary = summariseAttempts(task);
  if (task.state !== 'escalated') transition(task, 'escalated', reason, now);
  else task.reason = reason;
  (task as { escalation?: EscalationRecord }).escalation = { at: now.toISOString(), attempt: n, reason, summary };
  const key = `escalated#${n}`;
  if (task.notified[key]) return null;
  task.notified[key] = now.toISOString();
  return { taskId: task.id, attempt: n, message: `${task.id} escalated: ${reason}`, summary };
}
