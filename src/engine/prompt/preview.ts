import { requireTask } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { assertTaskId } from '../core/index.js';
import { composePrompt, type ComposedPrompt } from './compose.js';

/**
 * The prompt the task's next attempt gets: a pending attempt (a retry waiting to start, with its
 * enrichment) when there is one, else a fresh attempt. Read from the registry, not a snapshot.
 */
export async function previewPrompt(ctx: FleetContext, id: string): Promise<ComposedPrompt> {
  assertTaskId(id, 'task');
  const task = requireTask(await ctx.registry.read(), id);
  const last = task.attempts.at(-1);
  const attempt = last && last.state === 'pending' ? last : null;
  return composePrompt({ paths: ctx.paths, config: ctx.config, task, attempt });
}
