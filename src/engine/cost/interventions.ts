import type { TaskRegistry } from '../tasks/index.js';

/** Kinds of human intervention counted as effort. */
export type InterventionKind = 'attach' | 'send' | 'retry-note' | 'stop' | 'other';

export interface Intervention {
  at: string;
  kind: InterventionKind;
}

/**
 * Records a human intervention on the task's latest attempt (`attempt.interventions`, a list),
 * under the registry lock. Callers: task.send and task.stop (fleet), attach (CLI), and a retry with
 * a note (recovery writes its 'retry-note' on the new attempt itself).
 * Does nothing for a task without attempts.
 */
export async function recordIntervention(registry: TaskRegistry, taskId: string, kind: InterventionKind, at = new Date().toISOString()): Promise<void> {
  await registry.updateTask(taskId, (task) => {
    const attempt = task.attempts.at(-1) as (typeof task.attempts)[number] & { interventions?: unknown };
    if (!attempt) return;
    const list = Array.isArray(attempt.interventions) ? (attempt.interventions as Intervention[]) : [];
    list.push({ at, kind });
    attempt.interventions = list;
  });
}
