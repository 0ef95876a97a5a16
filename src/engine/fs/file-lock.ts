import { open, readFile, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryError } from '../core/index.js';
import { processAlive } from '../exec/index.js';

export interface LockOptions {
  /** Give up after this long. */
  timeoutMs?: number;
  /** A lock older than this whose owner is gone is taken over. */
  staleMs?: number;
}


/** The lock file's identity when it is stale (its owner is dead, or it is older than staleMs), else null. */
async function staleLock(lockPath: string, staleMs: number): Promise<{ ino: number; mtimeMs: number } | null> {
  try {
    const info = await stat(lockPath);
    const body = await readFile(lockPath, 'utf8');
    const again = await stat(lockPath);
    // Read between two stats of the same file: the body belongs to the lock we judge.
    if (again.ino !== info.ino || again.mtimeMs !== info.mtimeMs) return null;
    const pid = Number.parseInt(body.split(' ')[0] ?? '', 10);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) return { ino: info.ino, mtimeMs: info.mtimeMs };
    return Date.now() - info.mtimeMs > staleMs ? { ino: info.ino, mtimeMs: info.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** Removes a stale lock only if it is still the same file (another process may have replaced it). */
async function removeIfSame(lockPath: string, seen: { ino: number; mtimeMs: number }): Promise<void> {
  try {
    const now = await stat(lockPath);
    if (now.ino === seen.ino && now.mtimeMs === seen.mtimeMs) await rm(lockPath, { force: true });
  } catch {
    // gone already
  }
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL). Works across processes.
 * A lock left behind by a dead process is taken over.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 30_000;
  const started = Date.now();
  let delay = 5;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      try {
        await handle.write(`${process.pid} ${new Date().toISOString()}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stale = await staleLock(lockPath, staleMs);
      if (stale) {
        await removeIfSame(lockPath, stale);
        continue;
      }
      if (Date.now() - started > timeoutMs) {
        throw new RegistryError(lockPath, `could not take the lock within ${timeoutMs} ms (remove the file if no flotilla is running)`);
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 100);
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
