import { existsSync } from 'node:fs';
import { CommandError } from '../core/index.js';
import { gitArgs } from './commands.js';
import type { GitClient } from './git-client.js';
import type { Attempt, Task } from '../core/index.js';
import { parseLeftRight, parseMergeTree, parseRefs, parseStatusV2 } from './parse-git.js';

/** What git says about one attempt. Gathered with as few child processes as possible. */
export interface AttemptProbe {
  taskId: string;
  attempt: number;
  worktreeExists: boolean;
  branchExists: boolean;
  baseExists: boolean;
  /** Tip of the attempt branch. */
  headSha: string | null;
  baseSha: string | null;
  /** Commits on the branch not on base. */
  ahead: number;
  /**
   * Tip of the branch this attempt started from when that is not base (a retry continuing the
   * previous attempt's branch, a dependency's branch), else null. A head still equal to it means
   * the attempt made no commit of its own, whatever `ahead` says.
   */
  startSha?: string | null;
  /** Commits on base not on the branch; 0 means base is an ancestor (`merge-base --is-ancestor`). */
  behind: number;
  /** False when `git status` was not asked (the decision did not need it). */
  statusRead: boolean;
  clean: boolean;
  dirty: string[];
  /**
   * True when the base commit this attempt recorded (`attempt.baseCommit`) is no longer an ancestor
   * of base: base was rewritten (force-pushed, reset) under the attempt, and the branch may carry
   * commits base dropped. Rebasing would guess; the `rebased` gate fails instead.
   */
  baseRewritten?: boolean;
  /** Files that conflict with base (null when not checked: up to date, or refs missing). */
  conflicts: string[] | null;
  /** Set when the worktree or branch is gone, or git failed: one clear line. */
  problem: string | null;
}

/** One `git for-each-ref` for the whole pass: tips of every local and remote-tracking branch. */
export async function readBranchTips(git: GitClient, repoRoot: string): Promise<Map<string, string>> {
  const out = await git.run(repoRoot, ['for-each-ref', '--format=%(refname)%00%(objectname)', 'refs/heads/', 'refs/remotes/']);
  return parseRefs(out);
}

/**
 * Results keyed by base and head commits, which never change for a pair: merge-tree conflicts
 * ("c:<base>:<head>"), ahead/behind counts ("n:<base>:<head>") and whether a recorded base commit
 * is still in base ("a:<recorded>:<base>"). Kept by the monitor loop.
 */
export type ConflictCache = Map<string, string[] | { ahead: number; behind: number } | boolean>;

/**
 * Probes one attempt. Child processes: `git status` (1) unless `status: false`;
 * `git rev-list --left-right --count` (1) unless the base/head pair is cached; `git merge-tree` (1)
 * only when base moved past the branch and the pair is not cached.
 */
export async function probeAttempt(
  git: GitClient,
  o: {
    repoRoot: string;
    task: Task;
    attempt: Attempt;
    tips: Map<string, string>;
    conflictCache?: ConflictCache;
    status?: boolean;
    /**
     * An attempt on a host: what the pass's one probe of that host read (whether the worktree is
     * there, its `git status` or why git could not read it); no git runs on the host for it here.
     */
    remote?: { worktreeExists: boolean; status: { dirty: string[] } | { error: string } };
  },
): Promise<AttemptProbe> {
  const { task, attempt, tips } = o;
  const probe: AttemptProbe = {
    taskId: task.id,
    attempt: attempt.n,
    worktreeExists: o.remote ? o.remote.worktreeExists : existsSync(attempt.worktree),
    branchExists: tips.has(`refs/heads/${attempt.branch}`),
    baseExists: false,
    headSha: tips.get(`refs/heads/${attempt.branch}`) ?? null,
    baseSha: null,
    ahead: 0,
    startSha: attempt.startPoint !== task.base ? (tips.get(`refs/heads/${attempt.startPoint}`) ?? null) : null,
    behind: 0,
    statusRead: false,
    clean: true,
    dirty: [],
    conflicts: null,
    problem: null,
  };
  probe.baseSha = tips.get(`refs/heads/${task.base}`) ?? tips.get(`refs/remotes/${task.base}`) ?? null;
  if (!probe.baseSha) {
    // The base may be a remote-tracking ref or a tag; resolve it the slow way.
    probe.baseSha = await git.resolveCommit(o.repoRoot, task.base);
  }
  probe.baseExists = probe.baseSha !== null;

  if (!probe.worktreeExists) {
    probe.problem = `worktree ${attempt.worktree} of attempt ${attempt.n} was deleted`;
  } else if (o.status !== false) {
    probe.statusRead = true;
    let status: { dirty: string[] } | { error: string };
    if (o.remote) status = o.remote.status;
    else {
      const r = await git.raw(attempt.worktree, gitArgs.statusPorcelain());
      status = r.exitCode === 0 ? { dirty: parseStatusV2(r.stdout).dirty } : { error: r.stderr.trim().split('\n')[0] ?? '' };
    }
    if ('error' in status) probe.problem = `git status failed in ${attempt.worktree}: ${status.error}`;
    else {
      probe.dirty = status.dirty;
      probe.clean = status.dirty.length === 0;
    }
  }
  if (!probe.branchExists) {
    probe.problem ??= `branch ${attempt.branch} of attempt ${attempt.n} was deleted`;
    return probe;
  }
  if (!probe.baseExists) {
    probe.problem ??= `base branch ${task.base} does not exist`;
    return probe;
  }
  const countKey = `n:${probe.baseSha}:${probe.headSha}`;
  let counts = o.conflictCache?.get(countKey) as { ahead: number; behind: number } | undefined;
  if (!counts) {
    const lr = await git.raw(o.repoRoot, gitArgs.revListLeftRight(probe.baseSha!, probe.headSha!));
    const parsed = lr.exitCode === 0 ? parseLeftRight(lr.stdout) : null;
    if (!parsed) {
      probe.problem ??= `git rev-list failed for ${task.base}...${attempt.branch}`;
      return probe;
    }
    counts = parsed;
    o.conflictCache?.set(countKey, counts);
  }
  probe.ahead = counts.ahead;
  probe.behind = counts.behind;
  if (attempt.baseCommit && attempt.baseCommit !== probe.baseSha) {
    probe.baseRewritten = !(await stillInBase(git, o.repoRoot, attempt.baseCommit, probe.baseSha!, o.conflictCache));
  }
  if (probe.behind > 0) {
    try {
      probe.conflicts = await conflictsWith(git, o.repoRoot, probe.baseSha!, probe.headSha!, o.conflictCache);
    } catch (err) {
      probe.problem ??= (err as Error).message;
    }
  }
  return probe;
}

/**
 * Whether `recorded` is still an ancestor of `baseSha` (`git merge-base --is-ancestor`). A recorded
 * commit git no longer has (pruned after the rewrite) counts as gone too.
 */
async function stillInBase(git: GitClient, repoRoot: string, recorded: string, baseSha: string, cache?: ConflictCache): Promise<boolean> {
  const key = `a:${recorded}:${baseSha}`;
  const cached = cache?.get(key);
  if (typeof cached === 'boolean') return cached;
  const r = await git.raw(repoRoot, gitArgs.isAncestor(recorded, baseSha));
  const inBase = r.exitCode === 0;
  cache?.set(key, inBase);
  return inBase;
}

/** Files that conflict when merging `head` into `base` (both must exist). */
export async function conflictsWith(
  git: GitClient,
  repoRoot: string,
  baseSha: string,
  headSha: string,
  cache?: ConflictCache,
): Promise<string[]> {
  const key = `c:${baseSha}:${headSha}`;
  const cached = cache?.get(key);
  if (Array.isArray(cached)) return cached;
  const r = await git.raw(repoRoot, gitArgs.mergeTree(baseSha, headSha));
  // Exit 0: merges cleanly; exit 1: conflicts; anything else: git could not tell.
  let files: string[];
  if (r.exitCode === 0) files = [];
  else if (r.exitCode === 1) files = parseMergeTree(r.stdout);
  else throw new CommandError('git', gitArgs.mergeTree(baseSha, headSha), r.exitCode, r.stderr);
  cache?.set(key, files);
  return files;
}
