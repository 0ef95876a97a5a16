import { errorMessage } from '../core/index.js';
import type { NotifyContext } from '../notify/index.js';
import { noticeMergeOrder, runRadar, type RadarCache, type RadarResult } from '../radar/index.js';
import type { RegistryData } from '../core/index.js';
import { releaseEndedSlots } from '../workspace/index.js';
import type { MonitorChange } from '../core/index.js';

/**
 * What the monitor does after watching each task: the conflict radar between live siblings, the
 * one-time merge-order notice for conflicting ready siblings, and the ports of ended attempts
 * given back. Problems are returned as pass errors; they never stop the pass.
 */
export async function afterTasks(
  ctx: NotifyContext,
  data: RegistryData,
  tips: Map<string, string> | null,
  o: { radarCache?: RadarCache; changes: MonitorChange[]; errors: string[] },
): Promise<{ data: RegistryData; radar: RadarResult | null }> {
  let radar: RadarResult | null = null;
  let current = data;
  if (tips) {
    try {
      radar = await runRadar(ctx, current, tips, o.radarCache);
      if (radar.overlapping) current = await ctx.registry.read();
      for (const line of await noticeMergeOrder(ctx, current)) {
        const [taskId, ...rest] = line.split(': ');
        o.changes.push({ taskId: taskId!, attempt: null, what: 'notified', message: `merge-order sent: ${rest.join(': ')}` });
      }
    } catch (err) {
      o.errors.push(`conflict radar: ${errorMessage(err).split('\n')[0]}`);
    }
  }
  try {
    const released = await releaseEndedSlots(ctx, current);
    if (released.length) current = await ctx.registry.read();
  } catch (err) {
    o.errors.push(`ports: ${errorMessage(err).split('\n')[0]}`);
  }
  return { data: current, radar };
}
