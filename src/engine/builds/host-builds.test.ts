import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, configSchema, type HostConfig, type RunResult, type Runner } from '../core/index.js';
import { AdmissionQueue } from './admission-queue.js';
import type { MemoryReading } from './decide.js';
import { createHostBuildQueue, HOST_MEMORY_SCRIPT, hostMemoryReader, parseHostMemory, UNKNOWN_MEMORY } from './host-builds.js';

const GB = 1024;
let dir: string;
let queues: AdmissionQueue[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-host-builds-'));
});
afterEach(async () => {
  for (const q of queues) await q.close();
  queues = [];
  rmSync(dir, { recursive: true, force: true });
});

const config = configSchema.parse({ limits: { staggerMs: 0, maxBuilds: 1, memReserveMB: 2 * GB } });
const hostConfig = (over: Partial<HostConfig> = {}): HostConfig => ({ ssh: 'me@box', port: 22, maxAgents: 4, maxBuilds: 2, memReserveMB: 1 * GB, env: {}, ...over });
const noRunner: Runner = { run: () => Promise.reject(new Error('not used')) };
const plenty = (): MemoryReading => ({ totalMB: 16 * GB, availableMB: 12 * GB, swapTotalMB: 0, swapUsedMB: 0, swapping: false });
const check = (n: number) => ({ kind: 'check' as const, key: `check:c${n}`, label: `t${n}: c${n}`, taskId: `t${n}` });

function hostQueue(reading: () => MemoryReading, hc = hostConfig(), name = 'box') {
  const q = createHostBuildQueue({ host: { name, config: hc, runner: noRunner }, stateDir: dir, configFile: join(dir, 'config.json'), config, memory: async () => reading(), pollMs: 20 });
  queues.push(q);
  return q;
}

/** The reason the queue gives for its one waiting job, once the job is queued (polled; never a timing assert). */
async function waitingReason(q: AdmissionQueue, ms = 20_000): Promise<string | undefined> {
  const end = Date.now() + ms;
  for (;;) {
    const w = (await q.snapshot()).waiting;
    if (w[0]?.reason && w[0].reason !== 'waiting: queued') return w[0].reason;
    if (Date.now() > end) throw new Error('no job waiting in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const MEMINFO = [
  'MemTotal:       16303412 kB',
  'MemFree:          512000 kB',
  'MemAvailable:    8151706 kB',
  'SwapTotal:       2097148 kB',
  'SwapFree:        1048574 kB',
  'pswpin 1200',
].join('\n');

describe('a host build-slot limiter', () => {
  it('runs at most hosts.<name>.maxBuilds checks there; the next waits with the reason and starts when one ends', async () => {
    const q = hostQueue(plenty);
    const a = await q.acquire(check(1));
    const b = await q.acquire(check(2));
    let started = false;
    const third = q.acquire(check(3)).then((t) => ((started = true), t));
    expect(await waitingReason(q)).toBe('waiting: 2/2 build slots busy');
    const snap = await q.snapshot();
    expect(snap.running.map((r) => r.label)).toEqual(['t1: c1', 't2: c2']);
    expect(snap.waiting.map((w) => w.label)).toEqual(['t3: c3']);
    expect(started).toBe(false);
    await a.release();
    const c = await third;
    expect((await q.snapshot()).running.map((r) => r.label)).toEqual(['t2: c2', 't3: c3']);
    await b.release();
    await c.release();
  });

  it('queues apart from this machine and from other hosts (its own file under .flotilla/hosts/<name>/)', async () => {
    const box = hostQueue(plenty, hostConfig({ maxBuilds: 1 }), 'box');
    const other = hostQueue(plenty, hostConfig({ maxBuilds: 1 }), 'other');
    const local = new AdmissionQueue({ stateDir: dir, configFile: join(dir, 'config.json'), config, memory: async () => plenty(), pollMs: 20 });
    queues.push(local);
    const held = await box.acquire(check(1));
    // box is full; this machine (limits.maxBuilds 1) and the other host are not.
    const second = box.acquire(check(2));
    expect(await waitingReason(box)).toBe('waiting: 1/1 build slots busy');
    const onOther = await other.acquire(check(3));
    const here = await local.acquire(check(4));
    expect(box.queue.file).toBe(join(dir, 'hosts', 'box', 'queue.json'));
    expect((await local.snapshot()).running.map((r) => r.label)).toEqual(['t4: c4']);
    expect((await box.snapshot()).waiting.map((w) => w.label)).toEqual(['t2: c2']);
    await Promise.all([held.release(), onOther.release(), here.release()]);
    await (await second).release();
  });

  it('admits by the host memory above its reserve, and only by slots where the host has no /proc/meminfo', async () => {
    let reading: MemoryReading = { totalMB: 4 * GB, availableMB: 1.5 * GB, swapTotalMB: 0, swapUsedMB: 0, swapping: false };
    const q = hostQueue(() => reading);
    // The check's default peak (1024 MB) does not fit in 0.5 GB above the host's 1 GB reserve.
    const waiting = q.acquire(check(1));
    expect(await waitingReason(q)).toBe('waiting: needs ~1.0 GB, 0.5 GB free above reserve');
    reading = UNKNOWN_MEMORY;
    const t = await waiting;
    await t.release();
  });

  it('refuses a host reserve not below its memory, naming hosts.<name>.memReserveMB', async () => {
    const q = hostQueue(() => ({ totalMB: 1 * GB, availableMB: 0.8 * GB, swapTotalMB: 0, swapUsedMB: 0, swapping: false }), hostConfig({ memReserveMB: 2 * GB }));
    const err = await q.acquire(check(1)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(/hosts\.box\.memReserveMB.*2048 MB is not below host box's total memory \(1024 MB\)/);
  });
});

describe('the host memory reading', () => {
  it('parses /proc/meminfo and pswpin; none without MemAvailable', () => {
    expect(parseHostMemory(MEMINFO)).toEqual({ totalMB: 16303412 / 1024, availableMB: 8151706 / 1024, swapTotalMB: 2097148 / 1024, swapUsedMB: 1048574 / 1024, swapInPages: 1200 });
    expect(parseHostMemory('MemTotal:  1000 kB\nMemFree: 10 kB\n')).toBeNull();
    expect(parseHostMemory('')).toBeNull();
  });

  it('reads over the host runner (one exec, cached), sees swap-in from the pswpin delta, and says unknown without meminfo', async () => {
    const outputs = [MEMINFO, MEMINFO.replace('pswpin 1200', 'pswpin 9200'), 'no proc here'];
    const calls: string[][] = [];
    const runner: Runner = {
      run: async (file, args) => {
        calls.push([file, ...args]);
        return { exitCode: 0, stdout: outputs.shift() ?? '', stderr: '', timedOut: false, failed: false, notFound: false } satisfies RunResult;
      },
    };
    let now = 1_000_000;
    const read = hostMemoryReader({ name: 'box', runner }, { maxAgeMs: 1000, now: () => now });
    const first = await read();
    expect(first.availableMB).toBeCloseTo(8151706 / 1024);
    expect(first.swapping).toBe(false);
    expect(await read()).toBe(first);
    expect(calls).toEqual([['sh', '-c', HOST_MEMORY_SCRIPT]]);
    now += 2000;
    // 8000 pages in 2 s: swapping.
    expect((await read()).swapping).toBe(true);
    now += 2000;
    expect(await read()).toEqual(UNKNOWN_MEMORY);
    expect(calls).toHaveLength(3);
  });

  it('names the host when it cannot be read', async () => {
    const runner: Runner = { run: async () => ({ exitCode: 255, stdout: '', stderr: 'ssh: connect to host box port 22: Connection refused\n', timedOut: false, failed: true, notFound: false }) };
    await expect(hostMemoryReader({ name: 'box', runner })()).rejects.toThrow('host box: cannot read its memory: ssh: connect to host box port 22: Connection refused');
  });
});
