import { randomBytes } from 'node:crypto';
import { link, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname } from 'node:path';
import { RegistryError } from '../core/index.js';
import { processIsSame, processStartTime } from '../exec/index.js';
import { removeStaleTemps } from './secure-files.js';

export interface LockOptions {
  /** Give up after this long. */
  timeoutMs?: number;
  /** A lock older than this is taken over even when its owner still runs (a hung owner). */
  staleMs?: number;
  /** The seam that writes the owner file (tests inject a failing write, as a full disk gives). */
  writeOwner?: (path: string, body: string) => Promise<void>;
  /** Do not wait: when a live owner holds the lock, throw what this returns for it at once. */
  ifHeld?: (owner: LockOwner | null) => Error;
}

interface LockIdentity {
  ino: number;
  mtimeMs: number;
}

/** What a lock file says about its owner: `<pid> <start time or -> <iso date> <token>`. */
export interface LockOwner {
  pid: number;
  startTime: string | null;
}

/** Parses a lock file body; null when it names no owner (empty, cut short or foreign). */
export function parseLockOwner(body: string): LockOwner | null {
  const [pidText, startText] = body.trim().split(/\s+/);
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  // Locks written before start times were recorded hold "<pid> <iso date>".
  return { pid, startTime: startText && /^\d+$/.test(startText) ? startText : null };
}

/**
 * The lock file's identity when it is stale, else null. Stale: it names no owner (an empty file,
 * left by an older flotilla on a full disk), its owner process is gone or is another process with
 * a recycled pid, or it is older than staleMs.
 */
async function staleLock(lockPath: string, staleMs: number): Promise<LockIdentity | null> {
  try {
    const info = await stat(lockPath);
    const body = await readFile(lockPath, 'utf8');
    const again = await stat(lockPath);
    // Read between two stats of the same file: the body belongs to the lock we judge.
    if (again.ino !== info.ino || again.mtimeMs !== info.mtimeMs) return null;
    const seen = { ino: info.ino, mtimeMs: info.mtimeMs };
    const owner = parseLockOwner(body);
    if (!owner || !processIsSame(owner.pid, owner.startTime)) return seen;
    return Date.now() - info.mtimeMs > staleMs ? seen : null;
  } catch {
    return null;
  }
}

/** Removes a stale lock only if it is still the same file (another process may have replaced it). */
async function removeIfSame(lockPath: string, seen: LockIdentity): Promise<void> {
  try {
    const now = await stat(lockPath);
    if (now.ino === seen.ino && now.mtimeMs === seen.mtimeMs) await rm(lockPath, { force: true });
  } catch {
    // gone already
  }
}

/** Removes the lock if it still holds our body (a takeover by another process is left alone). */
async function release(lockPath: string, body: string): Promise<void> {
  try {
    if ((await readFile(lockPath, 'utf8')) === body) await rm(lockPath, { force: true });
  } catch {
    // gone already
  }
}

const defaultWriteOwner = (path: string, body: string) => writeFile(path, body, { mode: 0o600, flag: 'wx' });

/**
 * Takes the lock once: the owner line is written to a temp file first and hard-linked into place,
 * so the lock file appears whole or not at all (a full disk fails the write, never leaves an empty
 * lock). True when taken, false when another process holds it; any other failure is thrown.
 */
async function tryTake(lockPath: string, body: string, writeOwner: NonNullable<LockOptions['writeOwner']>): Promise<boolean> {
  const tmp = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeOwner(tmp, body);
    await link(tmp, lockPath);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}

/**
 * Runs `fn` while holding an exclusive lock file. Works across processes. A lock whose owner is
 * gone (or that names no owner) is taken over at once.
 */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 30_000;
  const writeOwner = options.writeOwner ?? defaultWriteOwner;
  const body = `${process.pid} ${processStartTime(process.pid) ?? '-'} ${new Date().toISOString()} ${randomBytes(6).toString('hex')}\n`;
  await removeStaleTemps(dirname(lockPath), basename(lockPath));
  const started = Date.now();
  let delay = 5;
  for (;;) {
    if (await tryTake(lockPath, body, writeOwner)) break;
    const stale = await staleLock(lockPath, staleMs);
    if (stale) {
      await removeIfSame(lockPath, stale);
      continue;
    }
    if (options.ifHeld) {
      const owner = parseLockOwner(await readFile(lockPath, 'utf8').catch(() => ''));
      // Released (or replaced) between the take and this read: try again while there is time, so
      // a refusal names the owner that holds it.
      if (owner || Date.now() - started > timeoutMs) throw options.ifHeld(owner);
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new RegistryError(lockPath, `could not take the lock within ${timeoutMs} ms (remove the file if no flotilla is running)`);
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 100);
  }
  try {
    return await fn();
  } finally {
    await release(lockPath, body);
  }
}
