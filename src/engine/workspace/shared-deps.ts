import { createHash, randomBytes } from 'node:crypto';
import { appendFile, cp, lstat, mkdir, readFile, readlink, rename, rm, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { runJob } from '../builds/index.js';
import type { Admission } from '../core/index.js';
import type { FlotillaConfig } from '../core/index.js';
import { errorMessage } from '../core/index.js';
import { createRunner, type Runner } from '../exec/index.js';
import type { RegistryPort } from '../core/index.js';

/**
 * Shared dependencies: worktrees whose lockfile hashes agree share one `node_modules`, a symlink
 * into `$XDG_CACHE_HOME/flotilla/shared/node_modules-<hash>` (or ~/.cache/...). A missing store is
 * installed once, as an `install` job through the admission queue, in the worktree itself (so
 * .npmrc, workspaces and file: tarballs work) and then moved into the store. When the agent
 * changes the lockfile or package.json the link is replaced by a private install, and the attempt
 * (`attempt.sharedDeps`) and the task (`task.notes`) say so (dependency-watcher.ts).
 */

export type PackageManager = 'npm' | 'pnpm' | 'yarn';

export const LOCKFILES: ReadonlyArray<[string, PackageManager]> = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['package-lock.json', 'npm'],
];

export const SHARED_INSTALL: Record<PackageManager, string[]> = {
  npm: ['npm', 'ci', '--no-audit', '--no-fund'],
  pnpm: ['pnpm', 'install', '--frozen-lockfile'],
  yarn: ['yarn', 'install', '--frozen-lockfile'],
};

export interface SharedDepsContext {
  config: FlotillaConfig;
  admission?: Admission;
  /** Where attempt.sharedDeps and task.notes are recorded (when a task id is given). */
  registry?: RegistryPort;
  runner?: Runner;
  /** The shared store; default sharedStoreRoot(). */
  sharedRoot?: string;
}

/** attempt.sharedDeps as recorded in the registry (declared with the registry schema). */
export type { SharedDepsRecord } from '../core/index.js';
import type { SharedDepsRecord } from '../core/index.js';

export function sharedStoreRoot(env: NodeJS.ProcessEnv = process.env): string {
  const cache = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(cache, 'flotilla', 'shared');
}

export function sha(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch {
    return null;
  }
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch {
    return null;
  }
}

export async function detectLockfile(worktree: string): Promise<{ manager: PackageManager; lockfile: string; hash: string } | null> {
  if (!(await readOrNull(join(worktree, 'package.json')))) return null;
  for (const [name, manager] of LOCKFILES) {
    const content = await readOrNull(join(worktree, name));
    if (content) return { manager, lockfile: name, hash: sha(Buffer.concat([Buffer.from(`${manager}\0`), content])).slice(0, 16) };
  }
  return null;
}

/** Adds `/<path>` to the repository's info/exclude so a shared link is never committed. */
async function excludeFromGit(runner: Runner, worktree: string, relPath: string): Promise<void> {
  const r = await runner.run('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: worktree });
  if (r.exitCode !== 0) return;
  const file = isAbsolute(r.stdout.trim()) ? r.stdout.trim() : join(worktree, r.stdout.trim());
  const line = `/${relPath.split(sep).join('/')}`;
  const current = (await readOrNull(file))?.toString('utf8') ?? '';
  if (current.split('\n').includes(line)) return;
  await mkdir(dirname(file), { recursive: true });
  await appendFile(file, `${current === '' || current.endsWith('\n') ? '' : '\n'}${line}\n`);
}

/** Moves a folder, copying when the store is on another file system. */
async function moveDir(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    const tmp = `${to}.${randomBytes(4).toString('hex')}.tmp`;
    await cp(from, tmp, { recursive: true, verbatimSymlinks: true });
    await rename(tmp, to);
    await rm(from, { recursive: true, force: true });
  }
}

const installing = new Map<string, Promise<void>>();

async function installShared(ctx: SharedDepsContext, worktree: string, manager: PackageManager, target: string, taskId?: string): Promise<void> {
  const [file, ...args] = SHARED_INSTALL[manager];
  const job = { kind: 'install' as const, key: `install:${manager}`, label: `${manager} install (shared ${target.slice(-16)})`, ...(taskId ? { taskId } : {}) };
  const r = await runJob(ctx.admission, job, file!, args, { cwd: worktree, timeoutMs: 30 * 60_000 });
  if (r.exitCode !== 0) {
    const tail = (r.error ?? r.stderr).trim().split('\n').slice(-2).join(' | ');
    throw new Error(`${[file, ...args].join(' ')} failed in ${worktree} (exit ${r.exitCode ?? 'signal'}): ${tail}`);
  }
  const built = join(worktree, 'node_modules');
  if (!(await lstatOrNull(built))) await mkdir(built, { recursive: true });
  await mkdir(dirname(target), { recursive: true, mode: 0o700 });
  try {
    await moveDir(built, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another process filled the store meanwhile: use theirs.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    await rm(built, { recursive: true, force: true });
  }
}

export async function recordOnTask(ctx: SharedDepsContext, taskId: string | undefined, worktree: string, record: SharedDepsRecord, note?: string): Promise<void> {
  if (!ctx.registry || !taskId) return;
  await ctx.registry.updateTask(taskId, (task) => {
    const attempt = task.attempts.find((a) => a.worktree === worktree) ?? task.attempts.at(-1);
    if (attempt) attempt.sharedDeps = record;
    if (note) {
      task.notes = [...(task.notes ?? []), { at: record.since, message: note }];
    }
  });
}

/** The store folder's name of a shared folder: its path with / as _, and the hash of its key files. */
export function folderStoreName(rel: string, keyFiles: readonly string[], keys: readonly Buffer[]): string {
  const hash = sha(Buffer.concat(keys.flatMap((k, i) => [Buffer.from(`${keyFiles[i]}\0`), k]))).slice(0, 16);
  return `${rel.split(sep).join('_')}-${hash}`;
}

export function safeRelative(path: string): string | null {
  const n = normalize(path);
  if (isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`) || n === '.' || n === '.git' || n.startsWith(`.git${sep}`)) return null;
  return n;
}

/** Links config.shared.folders whose key files exist; a folder already present stays private. */
async function linkFolders(ctx: SharedDepsContext, worktree: string, root: string, runner: Runner) {
  const linked: Array<{ path: string; target: string }> = [];
  for (const folder of ctx.config.shared.folders) {
    const rel = safeRelative(folder.path);
    if (!rel) continue;
    const keys = await Promise.all(folder.keyFiles.map((k) => (safeRelative(k) ? readOrNull(join(worktree, k)) : null)));
    if (keys.some((k) => k === null)) continue;
    const target = join(root, folderStoreName(rel, folder.keyFiles, keys as Buffer[]));
    const here = join(worktree, rel);
    if (await lstatOrNull(here)) continue;
    await mkdir(target, { recursive: true, mode: 0o700 });
    await mkdir(dirname(here), { recursive: true });
    await symlink(target, here, 'dir');
    await excludeFromGit(runner, worktree, rel);
    linked.push({ path: rel, target });
  }
  return linked;
}

/**
 * Call after creating a worktree: links `node_modules` to the shared install for its lockfile
 * (installing it through the queue when missing) and links config.shared.folders. Never throws for
 * an install failure: the worktree then has no shared link and the result (and task) carry a note.
 */
export async function linkSharedDependencies(ctx: SharedDepsContext, worktree: string, taskId?: string): Promise<SharedDepsRecord> {
  const root = ctx.sharedRoot ?? sharedStoreRoot();
  const runner = ctx.runner ?? createRunner();
  const since = new Date().toISOString();
  const folders = await linkFolders(ctx, worktree, root, runner);
  let record: SharedDepsRecord = { mode: 'none', since, folders };
  const lock = ctx.config.shared.nodeModules ? await detectLockfile(worktree) : null;
  const existing = await lstatOrNull(join(worktree, 'node_modules'));
  if (lock && !existing) {
    const target = join(root, `node_modules-${lock.hash}`);
    const base = { manager: lock.manager, lockfile: lock.lockfile, hash: lock.hash, target, since, folders };
    try {
      if (!(await lstatOrNull(target))) {
        let pending = installing.get(target);
        if (!pending) {
          pending = installShared(ctx, worktree, lock.manager, target, taskId).finally(() => installing.delete(target));
          installing.set(target, pending);
        }
        await pending;
      }
      await symlink(target, join(worktree, 'node_modules'), 'dir');
      await excludeFromGit(runner, worktree, 'node_modules');
      const pkg = await readOrNull(join(worktree, 'package.json'));
      record = { mode: 'shared', ...base, packageHash: sha(pkg ?? '') };
    } catch (err) {
      record = { mode: 'none', ...base, note: `shared node_modules not set up: ${errorMessage(err)}` };
    }
  } else if (lock && existing && !existing.isSymbolicLink()) {
    record = { mode: 'private', since, folders, manager: lock.manager, lockfile: lock.lockfile, hash: lock.hash };
  }
  await recordOnTask(ctx, taskId, worktree, record, record.note);
  return record;
}

/** True when `node_modules` in the worktree is a link into the shared store. */
export async function isSharedLink(worktree: string, sharedRoot = sharedStoreRoot()): Promise<boolean> {
  const info = await lstatOrNull(join(worktree, 'node_modules'));
  if (!info?.isSymbolicLink()) return false;
  return (await readlink(join(worktree, 'node_modules'))).startsWith(sharedRoot + sep);
}
