import { readlink, rm } from 'node:fs/promises';
import { basename, join, sep } from 'node:path';
import { watch } from 'chokidar';
import { runJob } from '../builds/index.js';
import {
  detectLockfile,
  isSharedLink,
  LOCKFILES,
  readOrNull,
  recordOnTask,
  sha,
  sharedStoreRoot,
  type PackageManager,
  type SharedDepsContext,
  type SharedDepsRecord,
} from './shared-deps.js';

/** Private installs are not frozen: the agent changed the manifest or the lockfile. */
export const PRIVATE_INSTALL: Record<PackageManager, string[]> = {
  npm: ['npm', 'install', '--no-audit', '--no-fund'],
  pnpm: ['pnpm', 'install'],
  yarn: ['yarn', 'install'],
};

export interface DependencyWatcher {
  /** Resolves once the watcher is listening. */
  ready: Promise<void>;
  /** Resolves when a change being handled is done (tests; close waits for it too). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Called after the link was replaced by a private install (or that failed). */
  onPrivate?: (record: SharedDepsRecord) => void;
  debounceMs?: number;
}

/**
 * Watches only package.json and the lockfile of a worktree. When their content no longer matches
 * the shared install the worktree links to, the link is replaced by a private install (through the
 * queue) and the change is recorded on the task.
 */
export function watchDependencyChanges(ctx: SharedDepsContext, worktree: string, taskId?: string, options: WatchOptions = {}): DependencyWatcher {
  const root = ctx.sharedRoot ?? sharedStoreRoot();
  const names = new Set(['package.json', ...LOCKFILES.map(([name]) => name)]);
  // One watch on the worktree's top folder (depth 0) that ignores every other name: chokidar's
  // 'ready' for a list of single files comes before all of them are watched.
  const watcher = watch(worktree, {
    ignoreInitial: true,
    depth: 0,
    ignored: (path: string) => path !== worktree && !names.has(basename(path)),
  });
  let timer: NodeJS.Timeout | null = null;
  let work: Promise<void> = Promise.resolve();
  let linkedHash: string | null = null;
  let packageHash: string | null = null;
  const known = (async () => {
    if (!(await isSharedLink(worktree, root))) return;
    const target = await readlink(join(worktree, 'node_modules'));
    linkedHash = /node_modules-([0-9a-f]+)$/.exec(target)?.[1] ?? null;
    packageHash = sha((await readOrNull(join(worktree, 'package.json'))) ?? '');
  })();

  async function check(): Promise<void> {
    await known;
    if (linkedHash === null) return;
    const record = await makePrivateIfChanged(ctx, worktree, taskId, { hash: linkedHash, packageHash });
    if (!record) return;
    linkedHash = null;
    options.onPrivate?.(record);
  }

  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      work = work.then(check).catch(() => undefined);
    }, options.debounceMs ?? 300);
  };
  watcher.on('add', schedule).on('change', schedule).on('unlink', schedule);
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    idle: async () => {
      while (timer) await new Promise((r) => setTimeout(r, 20));
      await work;
    },
    async close() {
      if (timer) clearTimeout(timer);
      timer = null;
      await watcher.close();
      await work;
    },
  };
}

/**
 * One comparison (no watching): when the worktree links to the shared store but its lockfile hash
 * (or package.json, when `linked.packageHash` is known) no longer matches what was linked, replaces
 * the link by a private install (through the queue) and records it on the task. Returns the new
 * record, or null when nothing changed or the worktree has no shared link.
 */
export async function makePrivateIfChanged(
  ctx: SharedDepsContext,
  worktree: string,
  taskId: string | undefined,
  linked: { hash: string; packageHash?: string | null },
): Promise<SharedDepsRecord | null> {
  const root = ctx.sharedRoot ?? sharedStoreRoot();
  if (!(await isSharedLink(worktree, root))) return null;
  const lock = await detectLockfile(worktree);
  const pkg = sha((await readOrNull(join(worktree, 'package.json'))) ?? '');
  const packageChanged = Boolean(linked.packageHash) && pkg !== linked.packageHash;
  if (lock?.hash === linked.hash && !packageChanged) return null;
  const what = lock?.hash !== linked.hash ? (lock ? lock.lockfile : 'the lockfile') : 'package.json';
  const since = new Date().toISOString();
  await rm(join(worktree, 'node_modules'), { force: true });
  const manager = lock?.manager ?? 'npm';
  const [file, ...args] = PRIVATE_INSTALL[manager];
  const job = { kind: 'install' as const, key: `install:${manager}:private`, label: `${manager} install (private, ${worktree.split(sep).pop()})`, ...(taskId ? { taskId } : {}) };
  const r = await runJob(ctx.admission, job, file!, args, { cwd: worktree, timeoutMs: 30 * 60_000 });
  const ok = r.exitCode === 0;
  const note = ok
    ? `node_modules: ${what} changed, so the shared install was replaced by a private one`
    : `node_modules: ${what} changed; the private install failed (exit ${r.exitCode ?? 'signal'}): ${r.stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
  const record: SharedDepsRecord = { mode: ok ? 'private' : 'none', manager, since, note };
  if (lock) Object.assign(record, { lockfile: lock.lockfile, hash: lock.hash });
  await recordOnTask(ctx, taskId, worktree, record, note).catch(() => undefined);
  return record;
}
