import { FlotillaError } from '../core/index.js';
import type { Task, TaskState } from '../core/index.js';

/** Which task states may follow which. */
const ALLOWED: Record<TaskState, readonly TaskState[]> = {
  new: ['queued', 'blocked', 'running', 'stopped'],
  queued: ['running', 'blocked', 'stopped', 'new', 'failed'],
  blocked: ['queued', 'running', 'stopped', 'new', 'failed'],
  running: ['checking', 'failed', 'stopped', 'queued', 'escalated', 'ready', 'paused'],
  checking: ['ready', 'failed', 'running', 'queued', 'stopped', 'escalated'],
  ready: ['checking', 'running', 'queued', 'failed', 'stopped'],
  failed: ['running', 'queued', 'checking', 'escalated', 'stopped', 'ready'],
  escalated: ['running', 'queued', 'stopped', 'checking', 'ready'],
  stopped: ['queued', 'running', 'new', 'checking', 'blocked', 'failed', 'ready'],
  paused: ['running', 'queued', 'failed', 'stopped', 'escalated'],
};

export class TransitionError extends FlotillaError {
  override name = 'TransitionError';
}

export function canTransition(from: TaskState, to: TaskState): boolean {
  return from === to || ALLOWED[from].includes(to);
}

const HISTORY_CAP = 200;

/**
 * Moves a task to a new state, recording the transition with a timestamp.
 * Setting the same state again only updates the reason.
 */
export function transition(task: Task, to: TaskState, reason: string | null = null, now = new Date()): void {
  const from = task.state;
  if (!canTransition(from, to)) {
    throw new TransitionError(`task ${task.id}: cannot go from ${from} to ${to}`);
  }
  const at = now.toISOString();
  task.reason = reason;
  task.updatedAt = at;
  if (from === to) return;
  task.state = to;
  task.stateSince = at;
  task.history.push({ at, from, to, ...(reason ? { reason } : {}) });
  if (task.history.length > HISTORY_CAP) task.history.splice(0, task.history.length - HISTORY_CAP);
}
