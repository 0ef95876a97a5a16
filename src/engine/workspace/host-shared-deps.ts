import type { Admission, FlotillaConfig, RemoteHostPort, Runner } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import { folderStoreName, LOCKFILES, recordOnTask, safeRelative, sha, SHARED_INSTALL, type PackageManager, type SharedDepsContext, type SharedDepsRecord } from './shared-deps.js';

/**
 * Shared dependencies on a host: the same stores as locally (shared-deps.ts), with the same names
 * and hashes, kept on the host under `<host state folder>/shared/` (0700). The lockfile, package.json
 * and `shared.folders` key files are read from the attempt's start commit in the LOCAL repository
 * (the worktree on the host was made from that commit). One exec links an existing node_modules
 * store; a missing one is installed in the remote worktree through the host's build slots, moved
 * into the store and linked. One more exec links the shared folders. An install failure is a note
 * on the attempt, never a failed start.
 * Not done on a host yet: following the agent's lockfile changes there.
 */

/** Adds `/$1` to the worktree's info/exclude (the shell's cwd is the worktree). */
const EXCLUDE_FN = [
  'exclude() {',
  '  ex=$(git rev-parse --git-path info/exclude) || return 0',
  '  mkdir -p "$(dirname "$ex")"',
  '  grep -qxF "/$1" "$ex" 2>/dev/null || printf "%s\\n" "/$1" >> "$ex"',
  '}',
].join('\n');

/**
 * Run as `sh -c HOST_FOLDERS_SCRIPT sh <worktree> <store root> (<relative path> <store>)...`: links
 * each folder not yet in the worktree to its store (made 0700) and prints the index of each linked.
 */
export const HOST_FOLDERS_SCRIPT = [
  'wt=$1; root=$2; shift 2',
  'cd "$wt" || exit 3',
  EXCLUDE_FN,
  'mkdir -p "$root" && chmod 700 "$root" || exit 5',
  'i=0',
  'while [ $# -ge 2 ]; do',
  '  rel=$1; store=$2; shift 2',
  '  if [ ! -e "$rel" ] && [ ! -L "$rel" ]; then',
  '    mkdir -p "$store" && chmod 700 "$store" && mkdir -p "$(dirname "$rel")" && ln -s "$store" "$rel" && exclude "$rel" && echo "$i"',
  '  fi',
  '  i=$((i + 1))',
  'done',
  'exit 0',
].join('\n');

/**
 * Run on the host as `sh -c HOST_LINK_SCRIPT sh <store> <worktree> <mode> [install argv...]`.
 * Prints `linked`, `installed`, `private` or `missing` (mode `link` with no store). Paths and argv
 * arrive as positional parameters only.
 */
export const HOST_LINK_SCRIPT = [
  'store=$1; wt=$2; mode=$3; shift 3',
  'cd "$wt" || exit 3',
  EXCLUDE_FN,
  'link() { ln -s "$store" node_modules || exit 4; exclude node_modules; }',
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

/** Links config.shared.folders whose key files the start commit has (one exec); returns those linked. */
async function linkFoldersOnHost(o: HostSharedDepsOptions, root: string): Promise<Array<{ path: string; target: string }>> {
  const wanted: Array<{ path: string; target: string }> = [];
  for (const folder of o.config.shared.folders) {
    const rel = safeRelative(folder.path);
    if (!rel) continue;
    const keys = await Promise.all(folder.keyFiles.map((k) => (safeRelative(k) ? showAt(o.runner, o.repoRoot, o.startSha, k) : null)));
    if (keys.some((k) => k === null)) continue;
    wanted.push({ path: rel, target: `${root}/${folderStoreName(rel, folder.keyFiles, keys.map((k) => Buffer.from(k!)))}` });
  }
  if (wanted.length === 0) return [];
  const r = await o.host.runner.run('sh', ['-c', HOST_FOLDERS_SCRIPT, 'sh', o.worktree, root, ...wanted.flatMap((w) => [w.path, w.target])], { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`exit ${r.exitCode ?? 'signal'}: ${tail(r.error ?? r.stderr)}`);
  const linked = new Set(r.stdout.split('\n').map((l) => l.trim()).filter((l) => /^\d+$/.test(l)).map(Number));
  return wanted.filter((_, i) => linked.has(i));
}

/** node_modules of the worktree on the host: linked to the store, installing it when missing. */
async function nodeModulesOnHost(o: HostSharedDepsOptions, root: string, lock: NonNullable<Awaited<ReturnType<typeof lockfileAt>>>, since: string): Promise<SharedDepsRecord> {
  const target = `${root}/node_modules-${lock.hash}`;
  const base = { manager: lock.manager, lockfile: lock.lockfile, hash: lock.hash, target, since };
  const run = (mode: 'link' | 'install', timeoutMs: number) =>
    o.host.runner.run('sh', ['-c', HOST_LINK_SCRIPT, 'sh', target, o.worktree, mode, ...(mode === 'install' ? SHARED_INSTALL[lock.manager] : [])], { timeoutMs });
  try {
    let r = await run('link', 60_000);
    let what = `linking ${target}`;
    if (r.exitCode === 0 && r.stdout.trim() === 'missing') {
      what = SHARED_INSTALL[lock.manager].join(' ');
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
      throw new Error(`${what} on host ${o.host.name} in ${o.worktree} failed (exit ${r.exitCode ?? 'signal'}${r.timedOut ? ', timed out' : ''}): ${tail(r.error ?? r.stderr)}`);
    }
    if (said === 'linked' || said === 'installed') return { mode: 'shared', ...base, packageHash: lock.packageHash };
    return { mode: 'private', ...base, ...(said === 'private' ? { note: `node_modules on host ${o.host.name}: the store appeared during the install, so this one stays private` } : {}) };
  } catch (err) {
    return { mode: 'none', ...base, note: `shared node_modules not set up on host ${o.host.name}: ${errorMessage(err)}` };
  }
}

/**
 * Links the shared folders and node_modules (installing it when missing) of an attempt's worktree
 * on a host and records attempt.sharedDeps. Never throws for an install or link failure: a note.
 */
export async function linkSharedDependenciesOnHost(o: HostSharedDepsOptions): Promise<SharedDepsRecord | null> {
  if (!o.config.shared.nodeModules && o.config.shared.folders.length === 0) return null;
  const since = new Date().toISOString();
  const root = `${(await o.host.layout()).stateDir}/shared`;
  let folders: Array<{ path: string; target: string }> = [];
  let folderNote: string | undefined;
  try {
    folders = await linkFoldersOnHost(o, root);
  } catch (err) {
    folderNote = `shared folders not set up on host ${o.host.name}: ${errorMessage(err)}`;
  }
  const lock = o.config.shared.nodeModules ? await lockfileAt(o.runner, o.repoRoot, o.startSha) : null;
  const deps: SharedDepsRecord = lock ? await nodeModulesOnHost(o, root, lock, since) : { mode: 'none', since };
  const note = [deps.note, folderNote].filter(Boolean).join('; ');
  const record: SharedDepsRecord = { ...deps, folders, ...(note ? { note } : {}) };
  await recordOnTask({ config: o.config, ...(o.registry ? { registry: o.registry } : {}) }, o.taskId, o.worktree, record, record.note);
  return record;
}
