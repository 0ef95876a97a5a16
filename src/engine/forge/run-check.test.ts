import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdmissionQueue } from '../builds/index.js';
import { configSchema } from '../core/index.js';
import { runCheckAdmitted, spawnCheck } from './run-check.js';

let dir: string | undefined;

/** Gone or a zombie (killed, waiting to be reaped by whoever adopted it). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

describe('spawnCheck', () => {
  it('kills a hanging check and its children at the timeout and reports its last output', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-check-'));
    const pidFile = join(dir, 'child.pid');
    // A shell that starts a long sleep in the background (same process group) and waits on it.
    const script = `echo "compiling"; echo "stuck on step 3"; sleep 60 & echo $! > ${pidFile}; wait`;
    const out = await spawnCheck({ name: 'hang', command: ['sh', '-c', script], timeoutSec: 1 }, { cwd: dir, logFile: join(dir, 'runs/hang.log') });
    expect(out).toMatchObject({ state: 'fail', timedOut: true });
    expect(out.detail).toBe('timed out after 1s and was killed: stuck on step 3');
    expect(out.tail).toBe('compiling\nstuck on step 3');
    expect(readFileSync(join(dir, 'runs/hang.log'), 'utf8')).toBe('compiling\nstuck on step 3\n');
    const child = Number(readFileSync(pidFile, 'utf8'));
    expect(running(child)).toBe(false);
  });

  it('reports a missing program as a failure, not a crash', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-check-'));
    const out = await spawnCheck({ name: 'x', command: ['flotilla-no-such-program'], timeoutSec: 5 }, { cwd: dir, logFile: join(dir, 'x.log') });
    expect(out).toMatchObject({ state: 'fail', detail: 'flotilla-no-such-program: command not found' });
  });

  it('a cancelled check is marked cancelled, not failed by the code', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-check-'));
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const out = await spawnCheck({ name: 'long', command: ['sleep', '30'], timeoutSec: 60 }, { cwd: dir, logFile: join(dir, 'l.log'), signal: ac.signal });
    expect(out.cancelled).toBe(true);
  });
});

describe('runCheckAdmitted', () => {
  it('a check stopped while it waits for admission comes back cancelled, and never runs', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-check-'));
    // Free memory below the reserve: the queue holds every job.
    const queue = new AdmissionQueue({
      stateDir: dir,
      configFile: join(dir, 'config.json'),
      config: configSchema.parse({ limits: { staggerMs: 0, memReserveMB: 4096 } }),
      memory: async () => ({ totalMB: 8192, availableMB: 1024, swapTotalMB: 0, swapUsedMB: 0, swapping: false }),
      pollMs: 20,
      sampleMs: 50,
    });
    const marker = join(dir, 'ran');
    const abort = new AbortController();
    try {
      const pending = runCheckAdmitted(queue, { name: 'unit', command: ['touch', marker], timeoutSec: 10 }, { cwd: dir, logFile: join(dir, 'runs/unit.log'), taskId: 't', signal: abort.signal });
      await new Promise((r) => setTimeout(r, 150));
      abort.abort();
      const out = await pending;
      expect(out).toMatchObject({ name: 'unit', cancelled: true, exitCode: null, detail: 'cancelled while waiting for admission' });
      expect(existsSync(marker)).toBe(false);
    } finally {
      await queue.close();
    }
  });
});
