import type { RegistryPort } from '../core/index.js';

/** Kinds of human intervention counted as effort (declared with the registry schema). */
export type { Intervention, InterventionKind } from '../core/index.js';
import type { InterventionKind } from '../core/index.js';

/**
 * Records a human intervention on the task's latest attempt (`attempt.interventions`, a list),
 * under the registry lock. Callers: task.send and task.stop (fleet), attach (CLI), and a retry with
 * a note (recovery writes its 'retry-note' on the new attempt itself).
 * Does nothing for a task without attempts.
 */
export async function recordIntervention(registry: RegistryPort, taskId: string, kind: InterventionKind, at = new Date().toISOString()): Promise<void> {
  await registry.updateTask(taskId, (task) => {
    const attempt = task.attempts.at(-1);
    if (!attempt) return;
    attempt.interventions = [...(attempt.interventions ?? []), { at, kind }];
  });
}
