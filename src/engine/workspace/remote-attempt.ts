import { CommandError, type HostLayout, type HostsPort, type RemoteHostPort, type Runner } from '../core/index.js';
import { GitClient } from '../git/index.js';
import { WorkspaceError, type WorktreePlace } from './worktrees.js';

/** A host's file system as worktree code needs it: two small execs over its connection. */
export function hostPlace(host: RemoteHostPort): WorktreePlace {
  return {
    async exists(path) {
      const r = await host.runner.run('test', ['-e', path], { timeoutMs: 30_000 });
      if (r.exitCode === 0) return true;
      if (r.exitCode === 1) return false;
      throw new WorkspaceError(`host ${host.name}: cannot check ${path}: ${(r.error ?? r.stderr).trim() || `exit ${r.exitCode}`}`);
    },
    async makeRoot(root) {
      const r = await host.runner.run('mkdir', ['-p', '-m', '700', '--', root], { timeoutMs: 30_000 });
      if (r.exitCode !== 0) throw new WorkspaceError(`host ${host.name}: worktree root ${root} cannot be made: ${(r.error ?? r.stderr).trim()}; set hosts.${host.name}.worktreeRoot to a folder you can write there`);
    },
  };
}

/** git on the host, over its connection. */
export function hostGit(host: RemoteHostPort): GitClient {
  return new GitClient(host.runner);
}

/** The ref a start point is pushed to in the mirror, for one attempt. */
export function startRef(taskId: string, n: number): string {
  return `refs/flotilla/start/${taskId}-a${n}`;
}

/**
 * Brings the commits an attempt starts from to the host's bare mirror (made on first use): the
 * start point's commit to a ref of the attempt, and the base branch, with `git push` over the
 * host's master connection. Returns the start commit. (A start makes its worktree with
 * prepareWorktreeOnHost, which pushes only when the mirror lacks the commits.)
 */
export async function pushToMirror(
  o: { localGit: GitClient; repoRoot: string; host: RemoteHostPort; layout: HostLayout; taskId: string; n: number; startPoint: string; base?: string },
): Promise<string> {
  const sha = await o.localGit.resolveCommit(o.repoRoot, o.startPoint);
  if (!sha) throw new WorkspaceError(`start point "${o.startPoint}" does not exist in ${o.repoRoot}`);
  const init = await o.host.runner.run('sh', ['-c', 'test -d "$1/objects" || git init -q --bare -- "$1"', 'sh', o.layout.mirror], { timeoutMs: 60_000 });
  if (init.exitCode !== 0) {
    const why = init.exitCode === 127 ? 'git is not installed there' : (init.error ?? init.stderr).trim();
    throw new WorkspaceError(`host ${o.host.name}: cannot make the repository mirror ${o.layout.mirror}: ${why}`);
  }
  const base = o.base && (await o.localGit.branchExists(o.repoRoot, o.base)) ? { base: o.base } : {};
  await pushStartToMirror({ localGit: o.localGit, repoRoot: o.repoRoot, host: o.host, sha, taskId: o.taskId, n: o.n, ...base });
  return sha;
}

/** `git push` of an attempt's start commit (and the base branch, when given) to the host's existing mirror. */
export async function pushStartToMirror(o: { localGit: GitClient; repoRoot: string; host: RemoteHostPort; sha: string; taskId: string; n: number; base?: string }): Promise<void> {
  const remote = await o.host.gitRemote();
  const specs = [`+${o.sha}:${startRef(o.taskId, o.n)}`];
  if (o.base) specs.push(`+refs/heads/${o.base}:refs/heads/${o.base}`);
  const push = await o.host.withMirrorLock(() => pushOrFetch(o.localGit.runner, o.repoRoot, ['push', '--quiet', '--no-verify', remote.url, ...specs], remote.env));
  if (push.exitCode !== 0) throw new WorkspaceError(`host ${o.host.name}: git push to the mirror failed: ${pushWhy(push.stderr)}`);
}

/** The ref a new base commit is pushed to in the mirror, for one attempt's rebase there. */
export function baseRef(taskId: string, n: number): string {
  return `refs/flotilla/base/${taskId}-a${n}`;
}

/**
 * Brings one commit (a moved base) to the host's mirror under `ref`, with `git push` over the
 * host's master connection, so a rebase in the attempt's worktree there can use it.
 */
export async function pushCommitToHost(o: { runner: Runner; repoRoot: string; host: RemoteHostPort; sha: string; ref: string }): Promise<void> {
  if (!/^[0-9a-f]{40,64}$/.test(o.sha) || !o.ref.startsWith('refs/flotilla/')) throw new WorkspaceError(`not a commit and ref to push: ${o.sha} ${o.ref}`);
  const remote = await o.host.gitRemote();
  const push = await o.host.withMirrorLock(() => pushOrFetch(o.runner, o.repoRoot, ['push', '--quiet', '--no-verify', remote.url, `+${o.sha}:${o.ref}`], remote.env));
  if (push.exitCode !== 0) throw new WorkspaceError(`host ${o.host.name}: git push to the mirror failed: ${pushWhy(push.stderr)}`);
}

/**
 * Brings an attempt's branch back from the host's mirror into the local branch of the same name
 * (`git fetch`, forced: the host's branch is the attempt's truth). Returns the local tip, or null
 * when the host has no such branch.
 */
export async function fetchFromHost(o: { runner: Runner; repoRoot: string; host: RemoteHostPort; branch: string }): Promise<string | null> {
  const remote = await o.host.gitRemote();
  const ref = `refs/heads/${o.branch}`;
  const r = await pushOrFetch(o.runner, o.repoRoot, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote.url, `+${ref}:${ref}`], remote.env);
  if (r.exitCode !== 0) {
    if (/couldn't find remote ref/i.test(r.stderr)) return null;
    throw new CommandError('git', ['fetch', remote.url, ref], r.exitCode, `host ${o.host.name}: ${lastLine(r.stderr)}`);
  }
  const tip = await o.runner.run('git', ['rev-parse', '--verify', '--quiet', ref], { cwd: o.repoRoot });
  return tip.exitCode === 0 ? tip.stdout.trim() : null;
}

/**
 * Brings several attempts' branches back from one host's mirror in ONE `git fetch` (forced, each
 * into the local branch of the same name): what a monitoring pass runs per host, and only for
 * the branches whose tip on the host moved. Throws a CommandError naming the host when it fails.
 */
export async function fetchBranchesFromHost(o: { runner: Runner; repoRoot: string; host: RemoteHostPort; branches: readonly string[] }): Promise<void> {
  if (o.branches.length === 0) return;
  const remote = await o.host.gitRemote();
  const specs = o.branches.map((b) => `+refs/heads/${b}:refs/heads/${b}`);
  const r = await pushOrFetch(o.runner, o.repoRoot, ['fetch', '--quiet', '--no-tags', '--no-write-fetch-head', remote.url, ...specs], remote.env);
  if (r.exitCode !== 0) throw new CommandError('git', ['fetch', remote.url, ...specs], r.exitCode, `host ${o.host.name}: ${lastLine(r.stderr)}`);
}

function pushOrFetch(runner: Runner, repoRoot: string, args: string[], env: Record<string, string>) {
  return runner.run('git', args, { cwd: repoRoot, env: { ...env, LC_ALL: 'C' }, timeoutMs: 5 * 60_000 });
}

/**
 * Why a push failed, in git's words: its own error line (a refused or unlockable ref, a missing
 * repository) rather than the "failed to push some refs" summary it ends with.
 */
export function pushWhy(stderr: string): string {
  const lines = stderr.trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const cause = lines.find((l) => /^(error|fatal|remote: error|remote: fatal|! \[)/.test(l) && !/failed to push some refs/.test(l));
  return cause ?? lines.at(-1) ?? '';
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

/**
 * The setup commands of bootstrap, run in the attempt's worktree on the host (the `bootstrap.copy`
 * files were written by prepareWorktreeOnHost, in the exec that made the worktree).
 */
export async function setupOnHost(o: { host: RemoteHostPort; worktree: string; setup: readonly (readonly string[])[]; taskId: string; n: number }): Promise<void> {
  const env = { FLOTILLA_TASK: o.taskId, FLOTILLA_ATTEMPT: String(o.n) };
  for (const [file, ...args] of o.setup) {
    if (!file) continue;
    const r = await o.host.runner.run(file, args, { cwd: o.worktree, env, timeoutMs: 15 * 60_000 });
    if (r.exitCode !== 0) throw new CommandError(file, args, r.exitCode, `on host ${o.host.name}: ${r.error ?? (r.stderr || r.stdout)}`);
  }
}

/**
 * The host a task's next attempt runs on: the one it is pinned to (`start --host`), else this
 * machine (undefined). Placement by the hosts' free memory decides here when it comes.
 */
export function hostForAttempt(ctx: { hosts?: HostsPort }, task: { host?: string | undefined }): RemoteHostPort | undefined {
  if (!task.host) return undefined;
  if (!ctx.hosts) throw new WorkspaceError(`task is pinned to host ${task.host}, but hosts are not available here`);
  return ctx.hosts.get(task.host);
}
