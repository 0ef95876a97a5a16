import type { FleetContext } from '../core/index.js';
import { gitArgs } from '../git/index.js';
import type { Attempt } from '../core/index.js';
import { processAlive as pidAlive } from '../exec/index.js';
import { parseStatusV2 } from '../git/index.js';

export type RebaseOutcome = { rebased: true; head: string } | { rebased: false; why: string };

/**
 * Rebases a finished attempt's branch onto base when git says it merges cleanly: deterministic
 * upkeep so a task that fell behind is checked again instead of failing. Only on a clean tree; a
 * rebase that stops is aborted and the branch is left as it was. With the attempt's recorded base
 * commit, only the attempt's own commits are replayed (`rebase --onto <base tip> <recorded>`), and
 * the recorded commit moves to the new base tip; the caller never rebases over a rewritten base.
 */
export async function rebaseClean(ctx: FleetContext, taskId: string, attempt: Attempt, baseSha: string): Promise<RebaseOutcome> {
  // Claimed under the registry lock: two flotilla processes must never rebase (or abort) the same worktree.
  const claimed = await ctx.registry.updateTask(taskId, (t) => {
    const a = t.attempts.find((x) => x.n === attempt.n);
    if (!a) return false;
    if (a.rebaseClaim && a.rebaseClaim.pid !== process.pid && pidAlive(a.rebaseClaim.pid)) return false;
    a.rebaseClaim = { pid: process.pid, at: new Date().toISOString() };
    return true;
  });
  if (!claimed) return { rebased: false, why: 'another flotilla process is rebasing it' };
  let outcome: RebaseOutcome | undefined;
  try {
    outcome = await rebase(ctx, attempt, baseSha);
    return outcome;
  } finally {
    await ctx.registry
      .updateTask(taskId, (t) => {
        const a = t.attempts.find((x) => x.n === attempt.n);
        if (!a) return;
        a.rebaseClaim = null;
        if (outcome?.rebased) a.baseCommit = baseSha;
      })
      .catch(() => undefined);
  }
}

async function rebase(ctx: FleetContext, attempt: Attempt, baseSha: string): Promise<RebaseOutcome> {
  const status = await ctx.git.raw(attempt.worktree, gitArgs.statusPorcelain());
  if (status.exitCode !== 0) return { rebased: false, why: 'git status failed' };
  const s = parseStatusV2(status.stdout);
  if (s.dirty.length) return { rebased: false, why: `uncommitted changes in ${attempt.worktree}` };
  if (s.branch !== attempt.branch) return { rebased: false, why: `${attempt.worktree} is not on ${attempt.branch}` };
  const from = attempt.baseCommit ? ['--onto', baseSha, attempt.baseCommit] : [baseSha];
  const r = await ctx.git.raw(attempt.worktree, ['-c', 'core.editor=true', 'rebase', '--quiet', '--no-autosquash', ...from]);
  if (r.exitCode !== 0) {
    if (!/already a rebase|rebase-merge/.test(r.stderr)) await ctx.git.raw(attempt.worktree, ['rebase', '--abort']);
    return { rebased: false, why: `git rebase stopped: ${r.stderr.trim().split('\n')[0] ?? ''}` };
  }
  const head = (await ctx.git.run(attempt.worktree, ['rev-parse', 'HEAD'])).trim();
  return { rebased: true, head };
}
