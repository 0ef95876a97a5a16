import type { FlotillaConfig, RemoteHostPort, Runner } from '../core/index.js';
import { gitArgs, type GitClient } from '../git/index.js';
import { releaseAttemptSlot } from './attempt-env.js';
import { bootstrapAttempt, type AttemptSlotFields } from './bootstrap-attempt.js';
import { prepareWorktreeOnHost } from './host-prepare.js';
import { hostGit, hostPlace, setupOnHost } from './remote-attempt.js';
import { createAttemptWorktree, removeAttemptWorktree, type CreatedWorktree } from './worktrees.js';

/** What preparing an attempt needs: git, a runner for setup commands, and the bootstrap config. */
export interface PrepareAttemptContext {
  git: GitClient;
  runner: Runner;
  /** The main checkout (`.env*` files are copied from it). */
  repoRoot: string;
  bootstrap: FlotillaConfig['bootstrap'];
  /** Per-attempt ports (config env). */
  env: FlotillaConfig['env'];
  /**
   * Links shared dependencies into the worktree once the attempt is recorded on its task (it
   * records its outcome there). Never throws: a problem is reported, not a failed start.
   */
  shareDependencies?: (worktree: string, taskId: string) => Promise<unknown>;
  /**
   * The same on a host: the worktree there was made from `startSha` (host-shared-deps.ts). Never
   * throws either.
   */
  shareDependenciesOnHost?: (host: RemoteHostPort, worktree: string, startSha: string, taskId: string) => Promise<unknown>;
}

export interface AttemptPlace {
  taskId: string;
  n: number;
  startPoint: string;
  worktreeRoot: string;
  /** The task's base branch: the worktree then reports where the branch forked from it (baseCommit). */
  base?: string;
  /**
   * The host the attempt runs on (absent: this machine). Its worktree is then made on the host,
   * from the host's bare mirror of the repository, under the host's worktree root (`worktreeRoot`
   * above is ignored), and bootstrapped there.
   */
  host?: RemoteHostPort;
}

/** An attempt's worktree that exists and is bootstrapped; `discard` removes what preparing made. */
export interface PreparedAttempt<T> {
  worktree: CreatedWorktree;
  /** What `record` returned. */
  recorded: T;
}

/**
 * The one way an attempt's worktree comes to exist (first starts, pending retries, retries):
 * create the worktree and branch, bootstrap it (bootstrap-attempt.ts: copy, .worktreeinclude, ports,
 * render, setup), record the attempt (with its slot fields) (`record`, under the registry lock), then link shared dependencies.
 *
 * The bootstrap always runs: the caller prepares only an attempt that is not recorded as prepared,
 * so a worktree found on disk is one a killed flotilla left half-made. If anything up to and
 * including `record` fails, the worktree is removed (and its branch, when made here) before the
 * error is passed on, so the next start makes and bootstraps it again.
 */
export async function prepareAttempt<T>(
  ctx: PrepareAttemptContext,
  place: AttemptPlace,
  record: (worktree: CreatedWorktree, env: AttemptSlotFields) => T | Promise<T>,
): Promise<PreparedAttempt<T>> {
  if (place.host) return prepareOnHost(ctx, { ...place, host: place.host }, record);
  const wt = await createAttemptWorktree(ctx.git, { repoRoot: ctx.repoRoot, ...place });
  let recorded: T;
  const slots = { paths: { root: ctx.repoRoot }, config: { bootstrap: ctx.bootstrap, env: ctx.env }, git: ctx.git, runner: ctx.runner };
  try {
    // bootstrap.copy, .worktreeinclude, the attempt's slot and ports, bootstrap.render, setup.
    const env = await bootstrapAttempt(slots, { taskId: place.taskId, n: place.n, worktree: wt.worktree });
    recorded = await record(wt, env);
  } catch (err) {
    await releaseAttemptSlot(slots, { taskId: place.taskId, n: place.n }).catch(() => undefined);
    await discardAttemptWorktree(ctx, wt).catch(() => undefined);
    throw err;
  }
  await ctx.shareDependencies?.(wt.worktree, place.taskId);
  return { worktree: wt, recorded };
}

/**
 * prepareAttempt on a host: the start point pushed to the host's mirror, the worktree made there
 * from it, `.env*` copies and setup commands run there, then recorded, then the shared node_modules
 * linked there (a store on the host). No port slot (the slots are this machine's). A failure up to
 * `record` removes what was made.
 */
async function prepareOnHost<T>(
  ctx: PrepareAttemptContext,
  place: AttemptPlace & { host: RemoteHostPort },
  record: (worktree: CreatedWorktree, env: AttemptSlotFields) => T | Promise<T>,
): Promise<PreparedAttempt<T>> {
  const { host } = place;
  const layout = await host.layout();
  // One exec when the mirror has the start commit already (a push and that exec again when not).
  const wt = await prepareWorktreeOnHost({ localGit: ctx.git, repoRoot: ctx.repoRoot, host, layout, taskId: place.taskId, n: place.n, startPoint: place.startPoint, copy: ctx.bootstrap.copy, ...(place.base ? { base: place.base } : {}) });
  const git = hostGit(host);
  const where = hostPlace(host);
  let recorded: T;
  try {
    await setupOnHost({ host, worktree: wt.worktree, setup: ctx.bootstrap.setup, taskId: place.taskId, n: place.n });
    recorded = await record(wt, {});
  } catch (err) {
    await removeAttemptWorktree(git, { repoRoot: layout.mirror, worktree: wt.worktree, ...(wt.branchCreated ? { branch: wt.branch } : {}) }, where).catch(() => undefined);
    throw err;
  }
  // The branch made there starts at the start commit: the local branch of the same name is made
  // there too (when absent), so the next pass sees nothing moved and fetches nothing for it.
  if (wt.branchCreated) await ctx.git.ok(ctx.repoRoot, gitArgs.branchCreateAt(wt.branch, wt.startSha));
  await ctx.shareDependenciesOnHost?.(host, wt.worktree, wt.startSha, place.taskId);
  return { worktree: wt, recorded };
}

/**
 * Removes an attempt's worktree (and its branch when preparing made it): a start that did not
 * happen leaves nothing behind. A branch that existed before (an earlier run's work) is kept.
 */
export async function discardAttemptWorktree(ctx: Pick<PrepareAttemptContext, 'git' | 'repoRoot'>, wt: CreatedWorktree, host?: RemoteHostPort): Promise<void> {
  const branch = wt.branchCreated ? { branch: wt.branch } : {};
  if (host) {
    await removeAttemptWorktree(hostGit(host), { repoRoot: (await host.layout()).mirror, worktree: wt.worktree, ...branch }, hostPlace(host));
    return;
  }
  await removeAttemptWorktree(ctx.git, { repoRoot: ctx.repoRoot, worktree: wt.worktree, ...branch });
}
