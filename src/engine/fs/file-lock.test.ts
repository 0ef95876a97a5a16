import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartTime } from '../exec/index.js';
import { parseLockOwner, withFileLock } from './file-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  const r = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(r.stdout.trim());
}

describe('withFileLock', () => {
  it('writes its owner (pid and start time) into the lock while held and removes it after', async () => {
    const lock = join(dir, 'x.lock');
    const seen = await withFileLock(lock, async () => readFileSync(lock, 'utf8'));
    expect(parseLockOwner(seen)).toEqual({ pid: process.pid, startTime: processStartTime(process.pid) });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ifHeld: a second taker is refused at once with the live owner named, and a dead owner\'s lock is taken', async () => {
    const lock = join(dir, 'x.lock');
    const ifHeld = (o: { pid: number } | null) => new Error(`held by ${o?.pid}`);
    const inner = await withFileLock(lock, () => withFileLock(lock, async () => 'twice', { ifHeld }).catch((e: Error) => e.message));
    expect(inner).toBe(`held by ${process.pid}`);
    writeFileSync(lock, `${deadPid()} 12345 2026-01-01T00:00:00.000Z abc\n`);
    expect(await withFileLock(lock, async () => 'ran', { ifHeld })).toBe('ran');
  });

  it('takes over an empty lock file at once (was: 15 s wait, then "could not take the lock")', async () => {
    const lock = join(dir, 'x.lock');
    writeFileSync(lock, '');
    const t0 = Date.now();
    expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 200 })).toBe('ran');
    expect(Date.now() - t0).toBeLessThan(200 + 1000);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("takes over a dead owner's lock at once, and a live pid whose start time differs (a recycled pid)", async () => {
    const lock = join(dir, 'x.lock');
    writeFileSync(lock, `${deadPid()} 12345 2026-01-01T00:00:00.000Z abc\n`);
    expect(await withFileLock(lock, async () => 'dead', { timeoutMs: 0 })).toBe('dead');
    writeFileSync(lock, `${process.pid} 1 2026-01-01T00:00:00.000Z abc\n`);
    expect(await withFileLock(lock, async () => 'recycled', { timeoutMs: 0 })).toBe('recycled');
  });

  it("waits for a living owner's lock and gives up with the lock named", async () => {
    const lock = join(dir, 'x.lock');
    writeFileSync(lock, `${process.pid} ${processStartTime(process.pid)} 2026-01-01T00:00:00.000Z abc\n`);
    await expect(withFileLock(lock, async () => 'no', { timeoutMs: 50 })).rejects.toThrow(/x\.lock: could not take the lock/);
    expect(readFileSync(lock, 'utf8')).toContain(String(process.pid));
  });

  it('a failed owner write (full disk) gives the real error and leaves no lock and no temp file', async () => {
    const lock = join(dir, 'x.lock');
    const writeOwner = async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    await expect(withFileLock(lock, async () => 'no', { writeOwner })).rejects.toThrow(/ENOSPC/);
    expect(readdirSync(dir)).toEqual([]);
  });

  const root = process.getuid?.() === 0 && process.platform === 'linux';
  it.runIf(root)('on a real full tmpfs: the real error, no empty lock, and the lock works once space is freed', async () => {
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]).status !== 0) return;
    try {
      const filler = join(mnt, 'filler');
      spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k', 'count=64']);
      const lock = join(mnt, 'x.lock');
      await expect(withFileLock(lock, async () => 'no')).rejects.toThrow(/ENOSPC/);
      expect(readdirSync(mnt)).toEqual(['filler']);
      rmSync(filler);
      expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 0 })).toBe('ran');
    } finally {
      spawnSync('umount', [mnt]);
    }
  });
});
