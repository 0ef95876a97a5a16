import { recordIntervention, type InterventionKind } from '../cost/index.js';
import { errorMessage } from '../core/index.js';
import type { FleetContext } from '../core/index.js';

/**
 * Counts a human intervention (attach, send, stop) on the task's latest attempt for the cost
 * module's effort figures. A failure to record is an error event, never a failure of the action.
 */
export async function noteIntervention(ctx: Pick<FleetContext, 'registry' | 'events'>, taskId: string, kind: InterventionKind): Promise<void> {
  try {
    await recordIntervention(ctx.registry, taskId, kind);
  } catch (err) {
    ctx.events.emit({ type: 'error', message: `task ${taskId}: cannot record the ${kind} intervention: ${errorMessage(err)}` });
  }
}
