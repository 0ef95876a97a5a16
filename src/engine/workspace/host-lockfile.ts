import type { Admission, FlotillaConfig, RemoteHostPort, Runner, SharedDepsRecord } from '../core/index.js';
import { PRIVATE_INSTALL } from './dependency-watcher.js';
import { lockfileAt } from './host-shared-deps.js';
import { LOCKFILES, recordOnTask, type PackageManager, type SharedDepsContext } from './shared-deps.js';

/**
 * An agent's change to the lockfile (or package.json) of a worktree on a host that links the
 * shared node_modules there: what the local watcher and `check` do for a local worktree
 * (dependency-watcher.ts), from the monitoring pass's own probe of the host, so following it costs
 * no exec per pass. An uncommitted change shows in the probe's `git status` lines; a committed one
 * moved the branch, whose commits the pass fetched back, so the lockfile at the new head is read
 * and hashed in the local repository as at linking. On a change, one exec on the host removes the
 * link and installs privately in the worktree (not frozen: the lockfile changed), through the
 * host's build slots, and the change is recorded on the task, as locally.
 */

/** The probe's facts of one shared attempt's worktree on a host that answered this pass. */
export interface HostWorktreeFacts {
  taskId: string;
  host: string;
  worktree: string;
  /** The worktree's HEAD on the host (fetched back into the local repository this pass). */
  head: string | null;
  /** Changed paths, as `git status` printed them. */
  dirty: readonly string[];
}

const WATCHED = new Set(['package.json', ...LOCKFILES.map(([name]) => name)]);

/**
 * Which file no longer matches the shared install the worktree links to (`package-lock.json`,
 * `package.json`, ...), or null. `headChecked`: the head already compared (nothing to read again).
 */
export async function hostLockfileChange(
  runner: Runner,
  repoRoot: string,
  linked: Pick<SharedDepsRecord, 'hash' | 'packageHash' | 'lockfile'>,
  facts: HostWorktreeFacts,
  headChecked?: string,
): Promise<{ what: string; manager?: PackageManager; lockfile?: string; hash?: string } | null> {
  const dirty = facts.dirty.find((p) => WATCHED.has(p));
  if (dirty) return { what: dirty };
  if (!facts.head || facts.head === headChecked) return null;
  // The head's commit came back with the pass's fetch; if it did not, nothing is known yet.
  const known = await runner.run('git', ['cat-file', '-e', `${facts.head}^{commit}`], { cwd: repoRoot, timeoutMs: 30_000 });
  if (known.exitCode !== 0) return null;
  const lock = await lockfileAt(runner, repoRoot, facts.head);
  if (lock && lock.hash === linked.hash && (!linked.packageHash || lock.packageHash === linked.packageHash)) return null;
  const what = lock?.hash !== linked.hash ? (lock?.lockfile ?? linked.lockfile ?? 'the lockfile') : 'package.json';
  return { what, ...(lock ? { manager: lock.manager, lockfile: lock.lockfile, hash: lock.hash } : {}) };
}

/**
 * Run on the host as `sh -c HOST_PRIVATE_SCRIPT sh <worktree> <install argv...>`: removes the
 * worktree's node_modules when it is a link (the shared store is left alone) and installs there.
 */
export const HOST_PRIVATE_SCRIPT = ['cd "$1" || exit 3', 'shift', 'if [ -L node_modules ]; then rm -f node_modules || exit 4; fi', 'exec "$@"'].join('\n');

/** Replaces the link by a private install on the host and records it on the task; never throws for the install. */
export async function makePrivateOnHost(o: {
  config: FlotillaConfig;
  registry?: SharedDepsContext['registry'];
  host: RemoteHostPort;
  admission?: Admission;
  facts: HostWorktreeFacts;
  linked: SharedDepsRecord;
  change: NonNullable<Awaited<ReturnType<typeof hostLockfileChange>>>;
}): Promise<SharedDepsRecord> {
  const since = new Date().toISOString();
  const manager = o.change.manager ?? o.linked.manager ?? 'npm';
  const job = { kind: 'install' as const, key: `install:${manager}:private`, label: `${manager} install (private, ${o.facts.taskId} on ${o.host.name})`, taskId: o.facts.taskId };
  const ticket = o.admission ? await o.admission.acquire(job) : null;
  let r;
  try {
    r = await o.host.runner.run('sh', ['-c', HOST_PRIVATE_SCRIPT, 'sh', o.facts.worktree, ...PRIVATE_INSTALL[manager]], { timeoutMs: 30 * 60_000 });
  } finally {
    await ticket?.release();
  }
  const ok = r.exitCode === 0;
  const why = (r.error ?? r.stderr).trim().split('\n').slice(-1)[0] ?? '';
  const note = ok
    ? `node_modules on host ${o.host.name}: ${o.change.what} changed, so the shared install was replaced by a private one`
    : `node_modules on host ${o.host.name}: ${o.change.what} changed; the private install failed (exit ${r.exitCode ?? 'signal'}${r.timedOut ? ', timed out' : ''}): ${why}`;
  const record: SharedDepsRecord = {
    mode: ok ? 'private' : 'none',
    manager,
    since,
    note,
    ...(o.change.lockfile && o.change.hash ? { lockfile: o.change.lockfile, hash: o.change.hash } : {}),
    ...(o.linked.folders ? { folders: o.linked.folders } : {}),
  };
  await recordOnTask({ config: o.config, ...(o.registry ? { registry: o.registry } : {}) }, o.facts.taskId, o.facts.worktree, record, note);
  return record;
}
