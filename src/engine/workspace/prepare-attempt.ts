import type { Runner } from '../core/index.js';
import type { GitClient } from '../git/index.js';
import { copyMatchingFiles, runSetupCommands } from './bootstrap.js';
import { createAttemptWorktree, removeAttemptWorktree, type CreatedWorktree } from './worktrees.js';

/** What preparing an attempt needs: git, a runner for setup commands, and the bootstrap config. */
export interface PrepareAttemptContext {
  git: GitClient;
  runner: Runner;
  /** The main checkout (`.env*` files are copied from it). */
  repoRoot: string;
  bootstrap: { copy: readonly string[]; setup: readonly (readonly string[])[] };
  /**
   * Links shared dependencies into the worktree once the attempt is recorded on its task (it
   * records its outcome there). Never throws: a problem is reported, not a failed start.
   */
  shareDependencies?: (worktree: string, taskId: string) => Promise<unknown>;
}

export interface AttemptPlace {
  taskId: string;
  n: number;
  startPoint: string;
  worktreeRoot: string;
  /** The task's base branch: the worktree then reports where the branch forked from it (baseCommit). */
  base?: string;
}

/** An attempt's worktree that exists and is bootstrapped; `discard` removes what preparing made. */
export interface PreparedAttempt<T> {
  worktree: CreatedWorktree;
  /** What `record` returned. */
  recorded: T;
}

/**
 * The one way an attempt's worktree comes to exist (first starts, pending retries, retries):
 * create the worktree and branch, copy `.env*` (config bootstrap.copy), run the setup commands,
 * record the attempt (`record`, under the registry lock), then link shared dependencies.
 *
 * The bootstrap always runs: the caller prepares only an attempt that is not recorded as prepared,
 * so a worktree found on disk is one a killed flotilla left half-made. If anything up to and
 * including `record` fails, the worktree is removed (and its branch, when made here) before the
 * error is passed on, so the next start makes and bootstraps it again.
 */
export async function prepareAttempt<T>(
  ctx: PrepareAttemptContext,
  place: AttemptPlace,
  record: (worktree: CreatedWorktree) => T | Promise<T>,
): Promise<PreparedAttempt<T>> {
  const wt = await createAttemptWorktree(ctx.git, { repoRoot: ctx.repoRoot, ...place });
  let recorded: T;
  try {
    await copyMatchingFiles(ctx.repoRoot, wt.worktree, ctx.bootstrap.copy);
    await runSetupCommands(ctx.runner, wt.worktree, ctx.bootstrap.setup, undefined, { taskId: place.taskId, attempt: place.n });
    recorded = await record(wt);
  } catch (err) {
    await discardAttemptWorktree(ctx, wt).catch(() => undefined);
    throw err;
  }
  await ctx.shareDependencies?.(wt.worktree, place.taskId);
  return { worktree: wt, recorded };
}

/**
 * Removes an attempt's worktree (and its branch when preparing made it): a start that did not
 * happen leaves nothing behind. A branch that existed before (an earlier run's work) is kept.
 */
export async function discardAttemptWorktree(ctx: Pick<PrepareAttemptContext, 'git' | 'repoRoot'>, wt: CreatedWorktree): Promise<void> {
  await removeAttemptWorktree(ctx.git, {
    repoRoot: ctx.repoRoot,
    worktree: wt.worktree,
    ...(wt.branchCreated ? { branch: wt.branch } : {}),
  });
}
