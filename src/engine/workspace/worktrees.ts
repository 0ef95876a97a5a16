import { existsSync } from 'node:fs';
import { access, constants, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FlotillaError } from '../core/index.js';
import { gitArgs } from '../git/index.js';
import type { GitClient } from '../git/index.js';
import { assertTaskId } from '../core/index.js';

export function attemptBranch(taskId: string, n: number): string {
  return `flotilla/${assertTaskId(taskId)}-a${n}`;
}

export function attemptWorktreePath(worktreeRoot: string, taskId: string, n: number): string {
  return join(worktreeRoot, `${assertTaskId(taskId)}-a${n}`);
}

export class WorkspaceError extends FlotillaError {
  override name = 'WorkspaceError';
}

export interface CreatedWorktree {
  branch: string;
  worktree: string;
  /** False when an existing worktree for this attempt was reused. */
  created: boolean;
  /** True when the branch was made here (it did not exist before). */
  branchCreated: boolean;
  /** Where the branch forked from `base` (when `base` was given and both resolve), else null. */
  baseCommit: string | null;
}

/** The commit where `branch` forked from `base` (`git merge-base`), or null when there is none. */
export async function forkPoint(git: GitClient, repoRoot: string, base: string, branch: string): Promise<string | null> {
  const r = await git.raw(repoRoot, ['merge-base', '--', base, branch]);
  const sha = r.stdout.trim();
  return r.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(sha) ? sha : null;
}

/** Kernel file systems: nothing can be checked out there (writing into them spins or fails oddly). */
const KERNEL_ROOTS = ['/proc', '/sys', '/dev'];

/**
 * Makes the worktree root, or refuses it at once with one line: under /proc, /sys or /dev, or a
 * place that cannot be created or written to.
 */
export async function usableWorktreeRoot(root: string): Promise<void> {
  const abs = resolve(root);
  const where = 'set "worktreeRoot" in .flotilla/config.json to a folder you can write';
  const kernel = KERNEL_ROOTS.find((k) => abs === k || abs.startsWith(`${k}/`));
  if (kernel) throw new WorkspaceError(`worktreeRoot ${abs} is under ${kernel}, which cannot hold worktrees; ${where}`);
  try {
    await mkdir(abs, { recursive: true, mode: 0o700 });
    await access(abs, constants.W_OK);
  } catch (err) {
    throw new WorkspaceError(`worktreeRoot ${abs} cannot be used (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${where}`);
  }
}

/** Where a worktree lives: this machine (default) or a host, seen through these two questions. */
export interface WorktreePlace {
  exists(path: string): Promise<boolean>;
  /** Makes the worktree root, or throws one line saying why it cannot be used. */
  makeRoot(root: string): Promise<void>;
}

export const localPlace: WorktreePlace = {
  exists: async (path) => existsSync(path),
  makeRoot: usableWorktreeRoot,
};

/**
 * Creates the worktree of one attempt: branch `flotilla/<task>-a<N>` from `startPoint`, at
 * `<worktreeRoot>/<task>-a<N>`. An existing, registered worktree on that branch is reused.
 */
export async function createAttemptWorktree(
  git: GitClient,
  o: { repoRoot: string; worktreeRoot: string; taskId: string; n: number; startPoint: string; base?: string },
  place: WorktreePlace = localPlace,
): Promise<CreatedWorktree> {
  const branch = attemptBranch(o.taskId, o.n);
  const worktree = attemptWorktreePath(o.worktreeRoot, o.taskId, o.n);
  const existing = (await git.worktrees(o.repoRoot)).find((w) => w.path === worktree);
  if (existing && (await place.exists(worktree))) {
    if (existing.branch !== branch) {
      throw new WorkspaceError(`${worktree} is a worktree of branch ${existing.branch ?? '(detached)'}, expected ${branch}`);
    }
    return { branch, worktree, created: false, branchCreated: false, baseCommit: o.base ? await forkPoint(git, o.repoRoot, o.base, branch) : null };
  }
  if (existing) await git.run(o.repoRoot, gitArgs.worktreePrune());
  if (await place.exists(worktree)) {
    throw new WorkspaceError(`${worktree} already exists and is not a worktree of this repository; move it away`);
  }
  if (!(await git.resolveCommit(o.repoRoot, o.startPoint))) {
    throw new WorkspaceError(`start point "${o.startPoint}" does not exist in ${o.repoRoot}`);
  }
  await place.makeRoot(o.worktreeRoot);
  const branchExisted = await git.branchExists(o.repoRoot, branch);
  if (branchExisted) {
    // A branch left from an earlier run of this attempt: check it out again rather than losing it.
    await git.run(o.repoRoot, ['worktree', 'add', '--', worktree, branch]);
  } else {
    await git.run(o.repoRoot, gitArgs.worktreeAdd({ path: worktree, branch, startPoint: o.startPoint }));
  }
  return { branch, worktree, created: true, branchCreated: !branchExisted, baseCommit: o.base ? await forkPoint(git, o.repoRoot, o.base, branch) : null };
}

/** Removes a worktree (forcefully: the task is being removed) and optionally its branch. */
export async function removeAttemptWorktree(
  git: GitClient,
  o: { repoRoot: string; worktree: string; branch?: string },
  place: WorktreePlace = localPlace,
): Promise<void> {
  if (await place.exists(o.worktree)) {
    await git.run(o.repoRoot, gitArgs.worktreeRemove({ path: o.worktree, force: true }));
  } else {
    await git.raw(o.repoRoot, gitArgs.worktreePrune());
  }
  if (o.branch && (await git.branchExists(o.repoRoot, o.branch))) {
    await git.run(o.repoRoot, gitArgs.branchDelete(o.branch));
  }
}
