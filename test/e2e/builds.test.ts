import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const WORKER = fileURLToPath(new URL('fixtures/builds-worker.mjs', import.meta.url));
let repo: TempRepo | null = null;
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  repo?.cleanup();
  repo = null;
});

function worker(args: string[]): { child: ChildProcess; done: Promise<number | null>; output: () => string } {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, done, output: () => out };
}

/** Largest number of [start, end] intervals open at one time. */
function maxOverlap(log: string): { max: number; jobs: number } {
  const points: Array<[number, number]> = [];
  const ids = new Set<string>();
  for (const line of log.trim().split('\n')) {
    const [id, what, ms] = line.split(' ');
    ids.add(id!);
    points.push([Number(ms), what === 'start' ? 1 : -1]);
  }
  // At equal times an end counts before a start (the slot was released first).
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of points) max = Math.max(max, (open += d));
  return { max, jobs: ids.size };
}

async function until<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('builds: admission across processes with the real memory reader', () => {
  it('never runs more checks at once than limits.maxBuilds, across three processes', async () => {
    repo = makeTempRepo({ limits: { maxBuilds: 2, staggerMs: 0, defaultPeakMB: { check: 32 } } });
    const log = join(repo.dir, 'checks.log');
    writeFileSync(log, '');
    const workers = [0, 1, 2].map(() => worker([repo!.root, '2', log, '800']));
    const codes = await Promise.all(workers.map((w) => w.done));
    expect(codes, workers.map((w) => w.output()).join('\n')).toEqual([0, 0, 0]);
    const { max, jobs } = maxOverlap(readFileSync(log, 'utf8'));
    expect(jobs).toBe(6);
    expect(max).toBeLessThanOrEqual(2);
    expect(max).toBeGreaterThanOrEqual(1);
  });

  it('keeps a job waiting with the memory reason in `status --json` while the reserve is above free memory', async () => {
    const totalMB = Math.floor(totalmem() / 1024 / 1024);
    // The job (200 MB) fits below total - reserve (256 MB), so it is not "too big for the machine"; but
    // any machine uses more than 56 MB, so less than 200 MB is free above the reserve.
    repo = makeTempRepo({ limits: { memReserveMB: totalMB - 256, staggerMs: 0, defaultPeakMB: { check: 200 } } });
    const w = worker([repo.root, '0', join(repo.dir, 'unused.log')]);
    const waiting = await until(async () => {
      const r = await runCli(repo!.root, ['status', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const first = JSON.parse(r.stdout).resources.waiting[0];
      return first?.reason?.includes('free above reserve') ? first : undefined;
    });
    expect(waiting.label).toBe('blocked check');
    expect(waiting.reason).toMatch(/^waiting: needs ~0\.2 GB, 0\.0 GB free above reserve$/);
    expect(w.output()).not.toContain('admitted');
    const text = await runCli(repo.root, ['status']);
    expect(text.stdout).toMatch(/queue: 0 running, 1 waiting \(blocked check: waiting: needs ~0\.2 GB/);
    // Once that process is gone, its entry is pruned.
    w.child.kill('SIGKILL');
    await w.done;
    const after = JSON.parse((await runCli(repo.root, ['status', '--json'])).stdout);
    expect(after.resources.waiting).toEqual([]);
    expect(after.resources.reserveMB).toBe(totalMB - 256);
  });

  it('refuses a reserve above total memory with a config error naming the key', async () => {
    repo = makeTempRepo({ limits: { memReserveMB: Math.ceil(totalmem() / 1024 / 1024) + 1024 } });
    const r = await runCli(repo.root, ['status', '--json']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/config\.json: key "limits\.memReserveMB": \d+ MB is not below this machine's total memory/);
  });
});
