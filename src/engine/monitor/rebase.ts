import type { FleetContext, GitPort } from '../core/index.js';
import { gitArgs } from '../git/index.js';
import { baseRef, fetchFromHost, hostGit, pushCommitToHost } from '../workspace/index.js';
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
    outcome = attempt.host ? await rebaseOnHost(ctx, taskId, attempt, baseSha) : await rebase(ctx.git, attempt, baseSha);
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

/**
 * The same rebase for an attempt on a host: the new base commit goes to the host's mirror (git push
 * over the master connection), the rebase runs in the attempt's worktree there under the same rules,
 * and the rebased branch comes back into the local `flotilla/<task>-aN` (forced fetch).
 */
async function rebaseOnHost(ctx: FleetContext, taskId: string, attempt: Attempt, baseSha: string): Promise<RebaseOutcome> {
  if (!ctx.hosts) return { rebased: false, why: `attempt ${attempt.n} runs on host ${attempt.host}, and hosts are not available here` };
  const host = ctx.hosts.get(attempt.host!);
  await pushCommitToHost({ runner: ctx.runner, repoRoot: ctx.paths.root, host, sha: baseSha, ref: baseRef(taskId, attempt.n) });
  // The rebased commits come back here: committed as this machine's git identity, as a local rebase is.
  const ident = await ctx.git.raw(ctx.paths.root, ['var', 'GIT_COMMITTER_IDENT']);
  const m = /^(.+) <([^<>\n]*)> \d+ [+-]\d{4}$/.exec(ident.exitCode === 0 ? ident.stdout.trim() : '');
  const r = await rebase(hostGit(host), attempt, baseSha, m ? ['-c', `user.name=${m[1]}`, '-c', `user.email=${m[2]}`] : []);
  if (!r.rebased) return r;
  const tip = await fetchFromHost({ runner: ctx.runner, repoRoot: ctx.paths.root, host, branch: attempt.branch });
  if (tip !== r.head) return { rebased: false, why: `rebased on host ${host.name}, but its branch did not come back (${tip ?? 'missing'} here, ${r.head} there)` };
  return r;
}

/** The rebase itself, with git where the worktree is (this machine or the attempt's host). */
async function rebase(git: GitPort, attempt: Attempt, baseSha: string, identity: readonly string[] = []): Promise<RebaseOutcome> {
  const status = await git.raw(attempt.worktree, gitArgs.statusPorcelain());
  if (status.exitCode !== 0) return { rebased: false, why: 'git status failed' };
  const s = parseStatusV2(status.stdout);
  if (s.dirty.length) return { rebased: false, why: `uncommitted changes in ${attempt.worktree}` };
  if (s.branch !== attempt.branch) return { rebased: false, why: `${attempt.worktree} is not on ${attempt.branch}` };
  const from = attempt.baseCommit ? ['--onto', baseSha, attempt.baseCommit] : [baseSha];
  const r = await git.raw(attempt.worktree, [...identity, '-c', 'core.editor=true', 'rebase', '--quiet', '--no-autosquash', ...from]);
  if (r.exitCode !== 0) {
    if (!/already a rebase|rebase-merge/.test(r.stderr)) await git.raw(attempt.worktree, ['rebase', '--abort']);
    return { rebased: false, why: `git rebase stopped: ${r.stderr.trim().split('\n')[0] ?? ''}` };
  }
  const head = (await git.run(attempt.worktree, ['rev-parse', 'HEAD'])).trim();
  return { rebased: true, head };
}
