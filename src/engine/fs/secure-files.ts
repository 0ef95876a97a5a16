import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

/** Creates a folder (and parents) with mode 0700. */
export async function ensurePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
}

/**
 * Writes a file atomically: a temp file beside it (mode 0600), fsync, rename over the target.
 * A crash leaves either the old content or the new one, never half of it.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await ensurePrivateDir(dirname(path));
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

/** Appends one line to a private (0600) file, creating it if needed. */
export async function appendPrivateLine(path: string, line: string): Promise<void> {
  await ensurePrivateDir(dirname(path));
  const handle = await open(path, 'a', 0o600);
  try {
    await handle.write(line.endsWith('\n') ? line : `${line}\n`);
  } finally {
    await handle.close();
  }
}
