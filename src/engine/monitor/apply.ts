import type { FailureClass } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { transition } from '../tasks/index.js';
import type { Attempt, RegistryData, Task, TaskState } from '../core/index.js';
import type { MonitorChange } from '../core/index.js';

/**
 * Changes a task under the registry lock only if it is still where this pass saw it (same state,
 * same latest attempt). Another process (TUI, recovery, a second `check`) may have moved it; then
 * nothing is written and null comes back.
 */
export async function updateIfUnchanged<T>(
  ctx: FleetContext,
  seen: { taskId: string; states: readonly TaskState[]; attempt: number },
  change: (task: Task, attempt: Attempt, data: RegistryData) => T,
): Promise<T | null> {
  let result: T | null = null;
  await ctx.registry.update((data) => {
    const task = data.tasks.find((t) => t.id === seen.taskId);
    const attempt = task?.attempts.at(-1);
    if (!task || !attempt || attempt.n !== seen.attempt || !seen.states.includes(task.state)) return;
    result = change(task, attempt, data);
  });
  return result;
}

/** Moves a task and returns the change line (or null when it was already there). */
export function move(task: Task, to: TaskState, reason: string | null, now: Date): MonitorChange | null {
  const from = task.state;
  transition(task, to, reason, now);
  if (from === to) return null;
  return { taskId: task.id, attempt: task.attempts.at(-1)?.n ?? null, what: 'state', from, to, message: `${from} → ${to}${reason ? ` (${reason})` : ''}` };
}

/** Marks the attempt failed with a class and evidence, and the task failed. */
export function failAttempt(task: Task, attempt: Attempt, cls: FailureClass, evidence: string, now: Date): MonitorChange[] {
  const at = now.toISOString();
  attempt.failure = { class: cls, evidence, at };
  attempt.state = 'failed';
  attempt.endedAt ??= at;
  const firstLine = evidence.split('\n')[0]!;
  const changes: MonitorChange[] = [{ taskId: task.id, attempt: attempt.n, what: 'failure', message: `${cls}: ${firstLine}` }];
  const moved = move(task, 'failed', `${cls}: ${firstLine}`.slice(0, 200), now);
  if (moved) changes.unshift(moved);
  return changes;
}
