import type { Admission, FlotillaConfig, RemoteHostPort, Runner } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import { LOCKFILES, recordOnTask, sha, SHARED_INSTALL, type PackageManager, type SharedDepsContext, type SharedDepsRecord } from './shared-deps.js';

/**
 * Shared `node_modules` on a host: the same store as locally (shared-deps.ts), keyed by the same
 * lockfile hash, kept on the host at `<host state folder>/shared/node_modules-<hash>` (0700). The
 * lockfile and package.json are read from the attempt's start commit in the LOCAL repository (the
 * worktree on the host was made from that commit). One exec links an existing store; a missing one
 * is installed in the remote worktree through the host's build slots, moved into the store and
 * linked. An install failure is a note on the attempt, never a failed start.
 * Not done on a host yet: `shared.folders`, and following the agent's lockfile changes there.
 */

/**
 * Run on the host as `sh -c HOST_LINK_SCRIPT sh <store> <worktree> <mode> [install argv...]`.
 * Prints `linked`, `installed`, `private` or `missing` (mode `link` with no store). Paths and argv
 * arrive as positional parameters only.
 */
export const HOST_LINK_SCRIPT = [
  'store=$1; wt=$2; mode=$3; shift 3',
  'cd "$wt" || exit 3',
  'link() {',
  '  ln -s "$store" node_modules || exit 4',
  '  ex=$(git rev-parse --git-path info/exclude) || return 0',
  '  mkdir -p "$(dirname "$ex")"',
  '  grep -qxF /node_modules "$ex" 2>/dev/null || printf "%s\\n" /node_modules >> "$ex"',
  '}',
  'if [ -e node_modules ] || [ -L node_modules ]; then echo present; exit 0; fi',
  'if [ -d "$store" ]; then link; echo linked; exit 0; fi',
  'if [ "$mode" = link ]; then echo missing; exit 0; fi',
  '"$@" >&2 || exit $?',
  '[ -e node_modules ] || mkdir node_modules',
  'parent=$(dirname "$store")',
  'mkdir -p "$parent" && chmod 700 "$parent" || exit 5',
  'tmp="$store.$$.tmp"',
  'mv node_modules "$tmp" || exit 6',
  // Another flotilla filled the store meanwhile: this install stays private (mv -T never merges).
  'if mv -T "$tmp" "$store" 2>/dev/null; then link; echo installed; else mv "$tmp" node_modules; echo private; fi',
].join('\n');

export interface HostSharedDepsOptions {
  config: FlotillaConfig;
  /** The local repository and a runner there: the start commit's lockfile is read with `git show`. */
  repoRoot: string;
  runner: Runner;
  host: RemoteHostPort;
  /** The host's build slots (FleetContext.hostBuilds); without one the install runs at once. */
  admission?: Admission;
  registry?: SharedDepsContext['registry'];
  /** The attempt's worktree on the host and the commit it was made from. */
  worktree: string;
  startSha: string;
  taskId?: string;
}

async function showAt(runner: Runner, repoRoot: string, commit: string, path: string): Promise<string | null> {
  const r = await runner.run('git', ['show', `${commit}:${path}`], { cwd: repoRoot, timeoutMs: 60_000 });
  return r.exitCode === 0 ? r.stdout : null;
}

/** The start commit's lockfile (same hash as detectLockfile on its worktree), or null. */
export async function lockfileAt(runner: Runner, repoRoot: string, commit: string): Promise<{ manager: PackageManager; lockfile: string; hash: string; packageHash: string } | null> {
  const pkg = await showAt(runner, repoRoot, commit, 'package.json');
  if (pkg === null) return null;
  for (const [name, manager] of LOCKFILES) {
    const content = await showAt(runner, repoRoot, commit, name);
    if (content) return { manager, lockfile: name, hash: sha(Buffer.concat([Buffer.from(`${manager}\0`), Buffer.from(content)])).slice(0, 16), packageHash: sha(pkg) };
  }
  return null;
}

function tail(text: string): string {
  return text.trim().split('\n').slice(-2).join(' | ');
}

/**
 * Links (installing when missing) the shared node_modules of an attempt's worktree on a host and
 * records attempt.sharedDeps. Never throws for an install failure: mode `none` with a note.
 */
export async function linkSharedDependenciesOnHost(o: HostSharedDepsOptions): Promise<SharedDepsRecord | null> {
  if (!o.config.shared.nodeModules) return null;
  const lock = await lockfileAt(o.runner, o.repoRoot, o.startSha);
  if (!lock) return null;
  const since = new Date().toISOString();
  const layout = await o.host.layout();
  const target = `${layout.stateDir}/shared/node_modules-${lock.hash}`;
  const base = { manager: lock.manager, lockfile: lock.lockfile, hash: lock.hash, target, since };
  const run = (mode: 'link' | 'install', timeoutMs: number) =>
    o.host.runner.run('sh', ['-c', HOST_LINK_SCRIPT, 'sh', target, o.worktree, mode, ...(mode === 'install' ? SHARED_INSTALL[lock.manager] : [])], { timeoutMs });
  let record: SharedDepsRecord;
  try {
    let r = await run('link', 60_000);
    if (r.exitCode === 0 && r.stdout.trim() === 'missing') {
      const job = { kind: 'install' as const, key: `install:${lock.manager}`, label: `${lock.manager} install (shared ${lock.hash}, on ${o.host.name})`, ...(o.taskId ? { taskId: o.taskId } : {}) };
      const ticket = o.admission ? await o.admission.acquire(job) : null;
      try {
        r = await run('install', 30 * 60_000);
      } finally {
        await ticket?.release();
      }
    }
    const said = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.exitCode !== 0) {
      const what = SHARED_INSTALL[lock.manager].join(' ');
      throw new Error(`${what} on host ${o.host.name} in ${o.worktree} failed (exit ${r.exitCode ?? 'signal'}${r.timedOut ? ', timed out' : ''}): ${tail(r.error ?? r.stderr)}`);
    }
    record =
      said === 'linked' || said === 'installed'
        ? { mode: 'shared', ...base, packageHash: lock.packageHash }
        : { mode: 'private', ...base, ...(said === 'private' ? { note: `node_modules on host ${o.host.name}: the store appeared during the install, so this one stays private` } : {}) };
  } catch (err) {
    record = { mode: 'none', ...base, note: `shared node_modules not set up on host ${o.host.name}: ${errorMessage(err)}` };
  }
  await recordOnTask({ config: o.config, ...(o.registry ? { registry: o.registry } : {}) }, o.taskId, o.worktree, record, record.note);
  return record;
}
