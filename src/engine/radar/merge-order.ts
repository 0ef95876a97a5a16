import { notifyOnce, type NotifyContext } from '../notify/index.js';
import type { RegistryData, Task } from '../core/index.js';
import { mergeFirst } from './pairs.js';

/**
 * When two ready siblings would conflict, tells the human once (per attempt of the one to wait)
 * which to merge first and that the other will be rebased after. Returns the messages sent.
 */
export async function noticeMergeOrder(ctx: NotifyContext, data: RegistryData): Promise<string[]> {
  const ready = new Map(data.tasks.filter((t) => t.state === 'ready' && t.pr?.state !== 'merged').map((t) => [t.id, t]));
  const filesOf = (t: Task) => t.attempts.at(-1)?.changed?.files.length ?? 0;
  const sent: string[] = [];
  const seen = new Set<string>();
  for (const t of ready.values()) {
    for (const o of t.overlaps ?? []) {
      const other = ready.get(o.task);
      if (!other || !o.conflicts.length) continue;
      const key = [t.id, other.id].sort().join('|');
      if (seen.has(key)) continue;
      seen.add(key);
      const [first, second] = mergeFirst(t, other, filesOf);
      const attempt = second.attempts.at(-1)?.n ?? 1;
      if (second.notified[`merge-order#${attempt}`]) continue;
      const message = `conflicts with ${first.id} in ${o.conflicts.slice(0, 3).join(', ')}${o.conflicts.length > 3 ? ` and ${o.conflicts.length - 3} more` : ''}: merge ${first.id} first (flotilla merge ${first.id} ${second.id}); ${second.id} will be rebased on it after`;
      const out = await notifyOnce(ctx, second.id, 'merge-order', attempt, message);
      if (out.sent) sent.push(`${second.id}: ${message}`);
    }
  }
  return sent;
}
