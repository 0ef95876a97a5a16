import { errorMessage } from '../../errors.js';
import { findTask } from '../../tasks/registry.js';
import { removeAttemptWorktree } from '../../workspace/worktrees.js';
import type { FleetContext } from '../context.js';
import { UsageError } from '../../errors.js';

/**
 * Removes a task from the registry. Its worktrees and branches go too, unless kept.
 * The caller stops the task's session first.
 */
export async function removeTask(ctx: FleetContext, id: string, keepWorktrees: boolean): Promise<string[]> {
  const current = await ctx.registry.read();
  const task = findTask(current, id);
  if (!task) throw new UsageError(`no task "${id}" (see \`flotilla status\`)`);
  const dependents = current.tasks.filter((t) => t.after.includes(id)).map((t) => t.id);
  if (dependents.length) throw new UsageError(`task "${id}" is a dependency of ${dependents.join(', ')}; remove those first`);
  const problems: string[] = [];
  if (!keepWorktrees) {
    for (const attempt of task.attempts) {
      // The orchestrator's session runs in the main checkout: never remove that.
      if (attempt.worktree === ctx.paths.root) continue;
      try {
        await removeAttemptWorktree(ctx.git, { repoRoot: ctx.paths.root, worktree: attempt.worktree, branch: attempt.branch });
      } catch (err) {
        problems.push(`attempt ${attempt.n}: ${errorMessage(err)}`);
      }
    }
  }
  await ctx.registry.update((data) => {
    data.tasks = data.tasks.filter((t) => t.id !== id);
  });
  return problems;
}
