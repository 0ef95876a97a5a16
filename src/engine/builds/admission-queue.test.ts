import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, type FlotillaConfig } from '../core/index.js';
import { ConfigError } from '../core/index.js';
import { AdmissionAbortedError, AdmissionQueue } from './admission-queue.js';
import type { MemoryReading } from './decide.js';
import { createSystemMemoryReader } from './memory-reader.js';
import { parseProcStat, treeRssMB } from './process-tree.js';

const GB = 1024;
let dir: string;
let queues: AdmissionQueue[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-admission-'));
});
afterEach(async () => {
  for (const q of queues) await q.close();
  queues = [];
  rmSync(dir, { recursive: true, force: true });
});

function config(limits: Record<string, unknown> = {}): FlotillaConfig {
  return configSchema.parse({ limits: { staggerMs: 0, memReserveMB: 2 * GB, ...limits } });
}

function makeQueue(reading: () => MemoryReading, cfg = config(), extra: { isAlive?: (pid: number) => boolean } = {}) {
  const q = new AdmissionQueue({
    stateDir: dir,
    configFile: join(dir, 'config.json'),
    config: cfg,
    memory: async () => reading(),
    pollMs: 20,
    sampleMs: 50,
    ...extra,
  });
  queues.push(q);
  return q;
}

const plenty = (): MemoryReading => ({ totalMB: 16 * GB, availableMB: 12 * GB, swapTotalMB: 0, swapUsedMB: 0, swapping: false });
const job = (n: number, kind: 'check' | 'agent' | 'install' = 'check') => ({ kind, key: `${kind}:${n}`, label: `${kind} ${n}` });

async function until(cond: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('AdmissionQueue', () => {
  it('tells its process when a job has to wait and why, once per reason', async () => {
    let free = 2.5 * GB;
    const said: string[] = [];
    const q = new AdmissionQueue({
      stateDir: dir,
      configFile: join(dir, 'config.json'),
      config: config(),
      memory: async () => ({ ...plenty(), availableMB: free }),
      pollMs: 20,
      onWaiting: (j, reason) => said.push(`${j.label}: ${reason}`),
    });
    queues.push(q);
    const pending = q.acquire(job(1, 'agent'));
    await until(() => said.length > 0);
    await new Promise((r) => setTimeout(r, 100)); // several more polls, same reason
    expect(said).toEqual(['agent 1: waiting: needs ~1.5 GB, 0.5 GB free above reserve']);
    free = 12 * GB;
    await (await pending).release();
    // A job that starts at once says nothing.
    await (await q.acquire(job(2))).release();
    expect(said).toHaveLength(1);
  });

  it('holds a third build job until one of two slots is released, with the reason in the snapshot', async () => {
    const q = makeQueue(plenty);
    const a = await q.acquire(job(1));
    const b = await q.acquire(job(2));
    let third: Awaited<ReturnType<typeof q.acquire>> | null = null;
    const pending = q.acquire(job(3)).then((t) => (third = t));
    await until(async () => (await q.snapshot()).waiting[0]?.reason === 'waiting: 2/2 build slots busy');
    const snap = await q.snapshot();
    expect(snap.running.map((r) => r.label)).toEqual(['check 1', 'check 2']);
    expect(snap.waiting.map((w) => w.label)).toEqual(['check 3']);
    expect(third).toBeNull();
    await a.release();
    await pending;
    expect(third).not.toBeNull();
    expect((await q.snapshot()).running.map((r) => r.label)).toEqual(['check 2', 'check 3']);
    await b.release();
    await b.release(); // idempotent
    await third!.release();
    expect((await q.snapshot()).running).toEqual([]);
    expect(statSync(join(dir, 'queue.json')).mode & 0o777).toBe(0o600);
  });

  it('a waiter stopped while a round is under way (Ctrl-C on start --wait) stops waiting, not "entry vanished"', async () => {
    // The round's memory reading is held until the queue has been closed (its entry withdrawn).
    let freeReader!: () => void;
    const held = new Promise<void>((r) => (freeReader = r));
    const q = new AdmissionQueue({ stateDir: dir, configFile: join(dir, 'config.json'), config: config(), memory: async () => (await held, plenty()), pollMs: 20 });
    queues.push(q);
    const waiting = q.acquire(job(1));
    const outcome = waiting.then(
      () => 'started',
      (err: Error) => err.message,
    );
    // Enqueued: the round now waits on the reading.
    await until(() => existsSync(join(dir, 'queue.json')) && readFileSync(join(dir, 'queue.json'), 'utf8').includes('check 1'));
    await q.close();
    freeReader();
    expect(await outcome).toBe('stopped waiting for check 1');
  });

  it('keeps a job waiting with the memory reason until memory frees up', async () => {
    let available = 2.9 * GB;
    const q = makeQueue(() => ({ ...plenty(), availableMB: available }), config({ defaultPeakMB: { build: 1434 } }));
    const pending = q.acquire({ kind: 'build', key: 'tsc', label: 'tsc build' });
    await until(async () => (await q.snapshot()).waiting[0]?.reason === 'waiting: needs ~1.4 GB, 0.9 GB free above reserve');
    available = 8 * GB;
    const t = await pending;
    await t.release();
  });

  it('pauses admission while the reader reports swap-in', async () => {
    let swapping = true;
    const q = makeQueue(() => ({ ...plenty(), swapping }));
    const pending = q.acquire(job(1, 'agent'));
    await until(async () => (await q.snapshot()).waiting[0]?.reason?.includes('swap-in') ?? false);
    swapping = false;
    await (await pending).release();
  });

  it('withdraws a waiting job when its signal aborts', async () => {
    const q = makeQueue(plenty, config({ maxBuilds: 1 }));
    const t = await q.acquire(job(1));
    const ac = new AbortController();
    const pending = q.acquire(job(2), ac.signal);
    await until(async () => (await q.snapshot()).waiting.length === 1);
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(AdmissionAbortedError);
    expect((await q.snapshot()).waiting).toEqual([]);
    await t.release();
  });

  it('prunes entries of dead processes and serves two queue objects FIFO', async () => {
    writeFileSync(
      join(dir, 'queue.json'),
      JSON.stringify({
        version: 1,
        nextSeq: 2,
        lastStartAt: null,
        entries: [{ id: 'x', pid: 999_999_999, seq: 1, kind: 'check', key: 'k', label: 'ghost', state: 'running', enqueuedAt: 'now', expectedPeakMB: 1, rssMB: 0 }],
      }),
    );
    const one = makeQueue(plenty, config({ maxBuilds: 1 }));
    const two = makeQueue(plenty, config({ maxBuilds: 1 }));
    const held = await one.acquire(job(1)); // the ghost's slot was freed
    const order: string[] = [];
    const p2 = two.acquire(job(2)).then(async (t) => (order.push('2'), t));
    await until(async () => (await one.snapshot()).waiting.length === 1);
    const p3 = one.acquire(job(3)).then(async (t) => (order.push('3'), t));
    // Slots are checked before FIFO order, so the later job names the busy slot.
    await until(async () => (await one.snapshot()).waiting[1]?.reason === 'waiting: 1/1 build slots busy');
    await held.release();
    const t2 = await p2;
    await t2.release();
    await (await p3).release();
    expect(order).toEqual(['2', '3']);
  });

  it('waits behind a live earlier waiter, but not behind one whose owner stopped asking', async () => {
    const waiter = (seenAt: number) =>
      JSON.stringify({
        version: 1,
        nextSeq: 2,
        lastStartAt: null,
        entries: [{ id: 'w', pid: process.pid, seq: 1, kind: 'check', key: 'k', label: 'stuck', state: 'waiting', enqueuedAt: 'then', expectedPeakMB: 1, seenAt }],
      });
    writeFileSync(join(dir, 'queue.json'), waiter(Date.now() + 60_000));
    const q = makeQueue(plenty);
    const ac = new AbortController();
    const pending = q.acquire(job(1), ac.signal);
    await until(async () => (await q.snapshot()).waiting[1]?.reason === 'waiting: 1 earlier build job queued first');
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(AdmissionAbortedError);
    writeFileSync(join(dir, 'queue.json'), waiter(Date.now() - 60_000));
    await (await q.acquire(job(2))).release();
  });

  it('learns the peak RSS of a tracked process tree into resources.json', async () => {
    const q = makeQueue(plenty);
    const t = await q.acquire({ kind: 'check', key: 'check:alloc', label: 'alloc' });
    // A parent that starts a child holding ~60 MB.
    const child = spawn(process.execPath, [
      '-e',
      `const {spawn}=require('child_process');const c=spawn(process.execPath,['-e','const b=Buffer.alloc(60*1024*1024,1);setTimeout(()=>b.length,2000)'],{stdio:'inherit'});c.on('exit',()=>process.exit(0))`,
    ]);
    t.trackPid(child.pid!);
    await new Promise((r) => child.on('exit', r));
    await t.release();
    const data = JSON.parse(readFileSync(join(dir, 'resources.json'), 'utf8'));
    expect(data.peaks['check:alloc'].recentMB[0]).toBeGreaterThan(60);
    expect(statSync(join(dir, 'resources.json')).mode & 0o777).toBe(0o600);
    const next = q.acquire({ kind: 'check', key: 'check:alloc', label: 'alloc again' });
    const t2 = await next;
    expect((await q.snapshot()).running[0]?.expectedPeakMB).toBe(data.peaks['check:alloc'].recentMB[0]);
    await t2.release();
  });

  it('starts an oversized job alone with a warning and recommends agents from learned peaks', async () => {
    const warnings: string[] = [];
    const q = new AdmissionQueue({
      stateDir: dir,
      configFile: join(dir, 'config.json'),
      config: config({ defaultPeakMB: { build: 40 * GB } }),
      memory: async () => plenty(),
      pollMs: 20,
      onWarning: (m) => warnings.push(m),
    });
    queues.push(q);
    const t = await q.acquire({ kind: 'build', key: 'huge', label: 'huge build' });
    expect(warnings).toEqual([expect.stringMatching(/^huge build needs ~40\.0 GB, more than this machine has above the reserve \(14\.0 GB\); starting it alone$/)]);
    expect((await q.snapshot()).running[0]?.reason).toBe(warnings[0]);
    await t.release();
    await q.peaks.record('agent:claude', 'agent', 2 * GB);
    const snap = await q.snapshot();
    // 12 GB available - 2 GB reserve = 10 GB at 2 GB per (learned) agent.
    expect(snap.recommendation).toEqual({ agents: 5, reason: '~2.0 GB per agent (learned); 10.0 GB free above a 2.0 GB reserve; 0 running + 5 more fit' });
  });

  it('refuses a reserve above total memory with a ConfigError', async () => {
    const q = makeQueue(plenty, config({ memReserveMB: 64 * GB }));
    await expect(q.snapshot()).rejects.toBeInstanceOf(ConfigError);
    await expect(q.acquire(job(1))).rejects.toThrow(/limits\.memReserveMB/);
    expect((await makeQueue(plenty).snapshot()).waiting).toEqual([]);
  });
});

describe('memory and process readers', () => {
  it('detects swap-in from /proc/vmstat deltas and settles after a quiet time', async () => {
    const vmstat = join(dir, 'vmstat');
    let t = 0;
    const reader = createSystemMemoryReader({ vmstatPath: vmstat, settleMs: 5000, now: () => t });
    writeFileSync(vmstat, 'nr_free_pages 1\npswpin 100\npswpout 0\n');
    expect((await reader()).swapping).toBe(false);
    t = 1000;
    writeFileSync(vmstat, 'pswpin 5100\n');
    const r = await reader();
    expect(r.swapping).toBe(true);
    expect(r.totalMB).toBeGreaterThan(0);
    t = 4000;
    expect((await reader()).swapping).toBe(true);
    t = 7000;
    expect((await reader()).swapping).toBe(false);
  });

  it('parses /proc/<pid>/stat and sums a tree once per process', () => {
    const e = parseProcStat('42 (my (odd) cmd) S 7 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 100 1000 256 0')!;
    expect(e).toEqual({ pid: 42, ppid: 7, rssBytes: 256 * 4096 });
    const list = [
      { pid: 1, ppid: 0, rssBytes: 100 * 1024 * 1024 },
      { pid: 2, ppid: 1, rssBytes: 10 * 1024 * 1024 },
      { pid: 3, ppid: 2, rssBytes: 5 * 1024 * 1024 },
      { pid: 4, ppid: 0, rssBytes: 7 * 1024 * 1024 },
    ];
    expect(treeRssMB(list, [2])).toBe(15);
    expect(treeRssMB(list, [2, 3])).toBe(15);
    expect(treeRssMB(list, [99])).toBe(0);
  });
});
