import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import { lstat, mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join, parse, sep } from 'node:path';
import { FlotillaError } from './errors.js';

/**
 * Opens under flotilla's state folder that never follow a symlink. Any process that can write in
 * the repository (an agent, a check, a cloned repository that commits a `.flotilla` link) could
 * plant a link where flotilla keeps a prompt, a log, a pid or hook events; following it would
 * write (or chmod) a file elsewhere. So, inside a `.flotilla` folder:
 * - every folder from `.flotilla` down is checked with lstat (made 0700 when missing) and a link
 *   is refused;
 * - files are opened with O_NOFOLLOW (a link is refused) and O_NONBLOCK (a planted FIFO never
 *   hangs the open), then refused unless they are regular files.
 * A refusal is one line naming the path. Files replaced whole (`writeFileAtomic`) rename over a
 * planted link instead: the link goes, nothing is written through it.
 *
 * A leaf: node imports and core's errors only. The scripts agents and tmux run for every hook event
 * and every pane (hook-recorder.js, log-writer.js) import it directly, so they never load the
 * engine (the doors test allows exactly this file, and checks it stays a leaf).
 */

/** The name of the state folder in a repository (`RepoPaths.stateDir`). */
const STATE_DIR_NAME = '.flotilla';

/** A link or a non-file where flotilla keeps state: refused, never followed (one line, exit 1 in the CLI). */
export class UnsafeStatePathError extends FlotillaError {
  override name = 'UnsafeStatePathError';
  constructor(
    readonly path: string,
    what: string,
  ) {
    super(`${path}: ${what}; flotilla never follows links or opens special files in its state folder (remove it)`);
  }
}

/** The folders to check, from `.flotilla` down to `dir` (only `dir` itself when it is not under one). */
function foldersToCheck(dir: string): string[] {
  const parts = dir.split(sep);
  const at = parts.lastIndexOf(STATE_DIR_NAME);
  if (at <= 0) return [dir];
  const out: string[] = [];
  let cur = parts.slice(0, at).join(sep) || parse(dir).root;
  for (const part of parts.slice(at)) {
    if (!part) continue;
    cur = join(cur, part);
    out.push(cur);
  }
  return out;
}

function refuseFolder(path: string, info: { isSymbolicLink(): boolean; isDirectory(): boolean }): void {
  if (info.isSymbolicLink()) throw new UnsafeStatePathError(path, 'is a symlink');
  if (!info.isDirectory()) throw new UnsafeStatePathError(path, 'is not a folder');
}

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Makes `dir` (0700 for what it creates) with no link in it from `.flotilla` down; refuses a link. */
export async function ensureRealDir(dir: string): Promise<void> {
  const chain = foldersToCheck(dir);
  await mkdir(dirname(chain[0]!), { recursive: true, mode: 0o700 });
  for (const folder of chain) {
    try {
      refuseFolder(folder, await lstat(folder));
      continue;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    await mkdir(folder, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    refuseFolder(folder, await lstat(folder)); // a link planted between the check and the mkdir
  }
}

/** The synchronous `ensureRealDir`, for writers that cannot wait (the log writer, the hook recorder). */
export function ensureRealDirSync(dir: string): void {
  const chain = foldersToCheck(dir);
  mkdirSync(dirname(chain[0]!), { recursive: true, mode: 0o700 });
  for (const folder of chain) {
    try {
      refuseFolder(folder, lstatSync(folder));
      continue;
    } catch (err) {
      if (!isMissing(err)) throw err;
    }
    try {
      mkdirSync(folder, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    refuseFolder(folder, lstatSync(folder));
  }
}

/**
 * Removes a symlink planted at a file flotilla owns whole and is about to make afresh (an attempt's
 * log): the link goes, its target is left alone. Its folders are checked as by `ensureRealDir`.
 */
export async function dropPlantedLink(path: string): Promise<void> {
  await ensureRealDir(dirname(path));
  try {
    if ((await lstat(path)).isSymbolicLink()) await unlink(path);
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
}

/** How a state file is opened: read, append (created 0600) or replace its content (created 0600). */
export type NoFollowMode = 'r' | 'a' | 'w';

function flagsFor(how: NoFollowMode): number {
  const c = constants;
  const base = c.O_NOFOLLOW | c.O_NONBLOCK;
  if (how === 'r') return base | c.O_RDONLY;
  if (how === 'a') return base | c.O_WRONLY | c.O_APPEND | c.O_CREAT;
  return base | c.O_WRONLY | c.O_CREAT | c.O_TRUNC;
}

function openError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return new UnsafeStatePathError(path, 'is a symlink');
  if (code === 'ENXIO') return new UnsafeStatePathError(path, 'is not a regular file');
  return err;
}

/**
 * Opens a state file without following a link (refused with `UnsafeStatePathError`); writing
 * modes first make its folder with `ensureRealDir`. A FIFO, socket or device is refused too.
 */
export async function openNoFollow(path: string, how: NoFollowMode, mode = 0o600): Promise<FileHandle> {
  if (how !== 'r') await ensureRealDir(dirname(path));
  let handle: FileHandle;
  try {
    handle = await open(path, flagsFor(how), mode);
  } catch (err) {
    throw openError(path, err);
  }
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    throw new UnsafeStatePathError(path, 'is not a regular file');
  }
  return handle;
}

/** The synchronous `openNoFollow`: returns a file descriptor. */
export function openNoFollowSync(path: string, how: NoFollowMode, mode = 0o600): number {
  if (how !== 'r') ensureRealDirSync(dirname(path));
  let fd: number;
  try {
    fd = openSync(path, flagsFor(how), mode);
  } catch (err) {
    throw openError(path, err);
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new UnsafeStatePathError(path, 'is not a regular file');
  }
  return fd;
}
