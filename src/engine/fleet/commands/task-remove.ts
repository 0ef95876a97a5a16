import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, requireTask } from '../../core/index.js';
import { attemptBranch, removeAttemptWorktree } from '../../workspace/index.js';
import type { FleetContext, Task } from '../../core/index.js';
import { TaskNotFoundError, UsageError, type RegistryData } from '../../core/index.js';
import { releaseAttemptSlot, teardownAttempt } from '../../workspace/index.js';
import { attemptMarker, sweepMarked } from '../../exec/index.js';

/**
 * The refusal when an attempt of `task` names a branch outside flotilla's own pattern for it
 * (`flotilla/<task>-a<N>`), else null: `rm` deletes only branches flotilla made (a registry edited
 * by hand or by a hostile process must not make it delete `main` or any other branch). The
 * orchestrator's attempt, which runs in the main checkout, deletes no branch and is not judged.
 */
export function foreignBranch(task: Pick<Task, 'id' | 'attempts'>, repoRoot: string): string | null {
  for (const attempt of task.attempts) {
    if (attempt.worktree === repoRoot) continue;
    const own = attemptBranch(task.id, attempt.n);
    if (attempt.branch !== own) {
      return `attempt ${attempt.n} of ${task.id} names branch ${JSON.stringify(attempt.branch)}, not ${own}: refusing to remove the task (nothing was deleted; fix .flotilla/tasks.json or use --keep-worktrees)`;
    }
  }
  return null;
}

/** The task, when `rm` may remove it; else the one-line refusal (nothing is stopped or deleted). */
export async function assertRemovable(ctx: FleetContext, id: string, keepWorktrees: boolean): Promise<Task> {
  return removableIn(ctx, await ctx.registry.read(), id, keepWorktrees, new Set());
}

/** assertRemovable against a registry already read; `gone`: tasks of the same `rm` removed before this one. */
function removableIn(ctx: FleetContext, current: RegistryData, id: string, keepWorktrees: boolean, gone: ReadonlySet<string>): Task {
  const task = requireTask(current, id);
  if (gone.has(id)) throw new TaskNotFoundError(id);
  const dependents = current.tasks.filter((t) => !gone.has(t.id) && t.after.includes(id)).map((t) => t.id);
  if (dependents.length) throw new UsageError(`task "${id}" is a dependency of ${dependents.join(', ')}; remove those first`);
  const foreign = keepWorktrees ? null : foreignBranch(task, ctx.paths.root);
  if (foreign) throw new UsageError(foreign);
  return task;
}

/**
 * Removes a task from the registry, and its own folders under .flotilla/: hooks and prompts always
 * (a later task of the same id must not read its events), and its worktrees, branches, logs and
 * check runs unless kept. The caller stops the task's session first.
 */
export async function removeTask(ctx: FleetContext, id: string, keepWorktrees: boolean): Promise<string[]> {
  const [outcome] = await removeTasks(ctx, [id], keepWorktrees);
  if (outcome!.failure) throw outcome!.failure;
  return outcome!.problems;
}

/** What `rm` did to one task: `failure` when it was not removed; `problems` left behind when it was. */
export interface RemoveOutcome {
  id: string;
  failure?: unknown;
  problems: string[];
}

/**
 * Removes several tasks (see removeTask), in the given order; `stop(id)` ends a task's session first.
 * Their worktrees and processes go one task at a time (git prunes one worktree at a time), then the
 * registry is written ONCE for all of them. A task that may not be removed (no such task, another
 * task depends on it, a foreign branch) fails alone.
 */
export async function removeTasks(ctx: FleetContext, ids: readonly string[], keepWorktrees: boolean, stop?: (id: string) => Promise<void>): Promise<RemoveOutcome[]> {
  const current = await ctx.registry.read();
  const gone = new Set<string>();
  const outcomes: RemoveOutcome[] = [];
  for (const id of ids) {
    const outcome: RemoveOutcome = { id, problems: [] };
    outcomes.push(outcome);
    let task: Task;
    try {
      task = removableIn(ctx, current, id, keepWorktrees, gone);
      if (stop) await stop(id);
    } catch (err) {
      outcome.failure = err;
      continue;
    }
    gone.add(id);
    const problems = outcome.problems;
    // Nothing of the task may run on: daemons its agent, checks or setup left (setsid) are ended too.
    await sweepMarked(attemptMarker(id, undefined, { includeChecks: true, repo: ctx.paths.root }));
    if (!keepWorktrees) {
      for (const attempt of task.attempts) {
        // The orchestrator's session runs in the main checkout: never remove that.
        if (attempt.worktree === ctx.paths.root) continue;
        // bootstrap.teardown first (stop the attempt's compose project, drop its database).
        if (existsSync(attempt.worktree)) problems.push(...(await teardownAttempt(ctx, { taskId: id, ...attempt })));
        try {
          await removeAttemptWorktree(ctx.git, { repoRoot: ctx.paths.root, worktree: attempt.worktree, branch: attempt.branch });
        } catch (err) {
          problems.push(`attempt ${attempt.n}: ${errorMessage(err)}`);
        }
      }
    }
  }
  if (gone.size === 0) return outcomes;
  await ctx.registry.update((data) => {
    data.tasks = data.tasks.filter((t) => !gone.has(t.id));
  });
  const { hooksDir, promptsDir, logsDir, runsDir } = ctx.paths;
  for (const outcome of outcomes) {
    if (outcome.failure) continue;
    const { id, problems } = outcome;
    await releaseAttemptSlot(ctx, { taskId: id }).catch((err: unknown) => problems.push(`ports: ${errorMessage(err)}`));
    // The id is a validated slug, so each of these stays inside its folder.
    for (const dir of keepWorktrees ? [hooksDir, promptsDir] : [hooksDir, promptsDir, logsDir, runsDir]) {
      await rm(join(dir, id), { recursive: true, force: true }).catch((err: unknown) => problems.push(`${join(dir, id)}: ${errorMessage(err)}`));
    }
  }
  return outcomes;
}
