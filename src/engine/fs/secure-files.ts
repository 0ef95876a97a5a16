import { randomBytes } from 'node:crypto';
import { chmod, lstat, open, readdir, rename, rm } from 'node:fs/promises';
import { ensureRealDir, openNoFollow } from '../core/index.js';
import { processAlive } from '../exec/index.js';
import { dirname, basename, join } from 'node:path';

/**
 * Creates a folder (and parents) with mode 0700. Under `.flotilla` no folder on the way may be a
 * symlink: one is refused (`UnsafeStatePathError`), never written through.
 */
export async function ensurePrivateDir(path: string): Promise<void> {
  await ensureRealDir(path);
}

/**
 * Tightens an existing folder of ours to 0700 when group or others may enter it (a `.flotilla/`
 * made by hand or by an older tool with 0755). A symlink or a folder of another user is left alone.
 */
export async function tightenPrivateDir(path: string): Promise<void> {
  let info;
  try {
    info = await lstat(path);
  } catch {
    return;
  }
  if (!info.isDirectory() || (info.mode & 0o077) === 0) return;
  if (typeof process.getuid === 'function' && info.uid !== process.getuid()) return;
  await chmod(path, 0o700);
}

/**
 * Removes temp files `<prefix>.<pid>.<hex>.tmp` in `dir` left by a writer that died mid-write (its
 * pid no longer runs): each interrupted write would otherwise leave one behind for good.
 */
export async function removeStaleTemps(dir: string, prefix: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(`${prefix}.`) || !name.endsWith('.tmp')) continue;
    const m = /^\.(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (m && !processAlive(Number(m[1]))) await rm(join(dir, name), { force: true }).catch(() => undefined);
  }
}

/**
 * Writes a file atomically: a temp file beside it (mode 0600), fsync, rename over the target.
 * A crash leaves either the old content or the new one, never half of it; the temp file a killed
 * writer left is removed by the next write of the same file. A symlink planted at the target is
 * replaced (rename acts on the name), never written through; one planted at a folder is refused.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await ensurePrivateDir(dirname(path));
  await removeStaleTemps(dirname(path), `.${basename(path)}`);
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await chmod(tmp, mode);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Appends one line to a private (0600) file, creating it if needed; a symlink there is refused. */
export async function appendPrivateLine(path: string, line: string): Promise<void> {
  const handle = await openNoFollow(path, 'a');
  try {
    await handle.write(line.endsWith('\n') ? line : `${line}\n`);
  } finally {
    await handle.close();
  }
}
