import { selectForge } from '../forge/index.js';
import { autoRetryTask } from '../recovery/index.js';
import { runGithubTrain, runLocalTrain, type TrainResult } from '../train/index.js';
import { releaseEndedSlots } from '../workspace/index.js';
import type { Fleet } from './create-fleet.js';
import { recoveryDeps } from './wire-loop.js';

/**
 * `task.merge`: the merge train on the configured forge. Local: one PR at a time, each brought up to
 * date and checked again on the new base first; the first failure stops it and goes to recovery
 * (retried with the sibling named, or escalated past the cap). GitHub: `gh pr merge` in the same order.
 */
export async function mergeTrain(fleet: Fleet, ids: string[]): Promise<TrainResult> {
  const { forge } = await selectForge(fleet);
  const result =
    forge.kind === 'github'
      ? await runGithubTrain(fleet, ids)
      : await runLocalTrain(fleet, ids, {
          recover: async (id) => {
            const r = await autoRetryTask(fleet, id, recoveryDeps(fleet));
            if (!r) return 'left failed (recovery.auto does not retry it): flotilla retry ' + id;
            if (r.outcome === 'escalated') return `escalated: ${r.reason}`;
            if (r.outcome === 'retried') return `retried as attempt ${r.attempt}${r.started ? ' (started)' : ` (pending: flotilla start ${id})`}`;
            return `retry deferred: ${r.reason}`;
          },
        });
  await releaseEndedSlots(fleet, await fleet.registry.read());
  return result;
}
