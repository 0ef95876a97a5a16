import { UsageError, requireTask } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { gitArgs } from '../git/index.js';
import { parseStatusV2 } from '../git/index.js';
import { conflictsWith } from '../git/index.js';

export interface MergeResult {
  number: number;
  base: string;
  /** The merge commit now at the tip of base. */
  sha: string;
}

/**
 * Lands a local PR: a merge commit of the attempt's branch into base ("Merge PR #N: title").
 * When base is checked out in the main checkout, `git merge --no-ff` runs there (its tree must be
 * clean); otherwise the merge is built with `git merge-tree` + `git commit-tree` and base moved with
 * `git update-ref` (compare-and-swap). Conflicts are refused with the files named; nothing changes.
 */
export async function mergeLocalPr(ctx: FleetContext, taskId: string): Promise<MergeResult> {
  const task = requireTask(await ctx.registry.read(), taskId);
  const pr = task.pr;
  if (!pr || pr.forge !== 'local') throw new UsageError(`task "${taskId}" has no local PR`);
  if (pr.state !== 'open') throw new UsageError(`PR #${pr.number} is ${pr.state}`);
  const root = ctx.paths.root;
  const baseSha = await ctx.git.resolveCommit(root, `refs/heads/${pr.base}`);
  const headSha = await ctx.git.resolveCommit(root, `refs/heads/${pr.branch}`);
  if (!baseSha || !headSha) throw new UsageError(`PR #${pr.number}: branch ${baseSha ? pr.branch : pr.base} does not exist`);
  const conflicts = await conflictsWith(ctx.git, root, baseSha, headSha);
  if (conflicts.length) throw new UsageError(`PR #${pr.number} conflicts with ${pr.base} in ${conflicts.join(', ')}`);
  const message = `Merge PR #${pr.number}: ${pr.title}`;

  let sha: string;
  if ((await ctx.git.currentBranch(root)) === pr.base) {
    const dirty = parseStatusV2(await ctx.git.run(root, gitArgs.statusPorcelain())).dirty;
    if (dirty.length) throw new UsageError(`${root} has uncommitted changes (${dirty.slice(0, 3).join(', ')}); commit or stash them before merging into ${pr.base}`);
    await ctx.git.run(root, ['merge', '--no-ff', '--no-edit', '-m', message, headSha]);
    sha = (await ctx.git.run(root, ['rev-parse', 'HEAD'])).trim();
  } else {
    const tree = (await ctx.git.run(root, ['merge-tree', '--write-tree', baseSha, headSha])).split('\n')[0]!.trim();
    sha = (await ctx.git.run(root, ['commit-tree', tree, '-p', baseSha, '-p', headSha, '-m', message])).trim();
    await ctx.git.run(root, ['update-ref', '-m', message, `refs/heads/${pr.base}`, sha, baseSha]);
  }
  await ctx.registry.updateTask(taskId, (t) => {
    if (t.pr && t.pr.number === pr.number) t.pr.state = 'merged';
  });
  return { number: pr.number, base: pr.base, sha };
}
