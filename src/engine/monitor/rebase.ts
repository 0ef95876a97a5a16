import type { FleetContext } from '../fleet/context.js';
import { gitArgs } from '../git/commands.js';
import type { Attempt } from '../tasks/schema.js';
import { parseStatusV2 } from './parse-git.js';

export type RebaseOutcome = { rebased: true; head: string } | { rebased: false; why: string };

/**
 * Rebases a finished attempt's branch onto base when git says it merges cleanly: deterministic
 * upkeep so a task that fell behind is checked again instead of failing. Only on a clean tree; a
 * rebase that stops is aborted and the branch is left as it was.
 */
export async function rebaseClean(ctx: FleetContext, attempt: Attempt, baseSha: string): Promise<RebaseOutcome> {
  const status = await ctx.git.raw(attempt.worktree, gitArgs.statusPorcelain());
  if (status.exitCode !== 0) return { rebased: false, why: 'git status failed' };
  const s = parseStatusV2(status.stdout);
  if (s.dirty.length) return { rebased: false, why: `uncommitted changes in ${attempt.worktree}` };
  if (s.branch !== attempt.branch) return { rebased: false, why: `${attempt.worktree} is not on ${attempt.branch}` };
  const r = await ctx.git.raw(attempt.worktree, ['-c', 'core.editor=true', 'rebase', '--quiet', '--no-autosquash', baseSha]);
  if (r.exitCode !== 0) {
    await ctx.git.raw(attempt.worktree, ['rebase', '--abort']);
    return { rebased: false, why: `git rebase stopped: ${r.stderr.trim().split('\n')[0] ?? ''}` };
  }
  const head = (await ctx.git.run(attempt.worktree, ['rev-parse', 'HEAD'])).trim();
  return { rebased: true, head };
}
