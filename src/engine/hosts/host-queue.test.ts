import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema, taskSchema, type Task } from '../core/index.js';
import { hostQueueViews } from './host-queue.js';
import { placeTask } from './place.js';
import { cachedHostRows, hostSituation, placementCacheFile, type ProbedRow } from './placement-cache.js';
import type { HostRow } from './report.js';

const probedAt = Date.parse('2026-12-02T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const task = (id: string, over: { state?: Task['state']; host?: string; attempt?: 'running' | 'pending' | null; startedAt?: number; reason?: string; pin?: string } = {}): Task =>
  taskSchema.parse({
    id, title: id, prompt: 'p', agent: 'claude', base: 'main', state: over.state ?? 'running', stateSince: iso(probedAt), createdAt: iso(probedAt), updatedAt: iso(probedAt),
    reason: over.reason ?? null,
    ...(over.pin ? { host: over.pin } : {}),
    attempts:
      over.attempt === null
        ? []
        : [{ n: 1, branch: `flotilla/${id}-a1`, worktree: `/w/${id}-a1`, startPoint: 'main', state: over.attempt ?? 'running', createdAt: iso(probedAt), startedAt: iso(over.startedAt ?? probedAt - 60_000), ...(over.host ? { host: over.host } : {}) }],
  });
const row = (name: string, over: Partial<HostRow> = {}): HostRow => ({
  name, target: name === 'local' ? null : `me@${name}:22`, reachable: true, fault: null, message: null,
  memory: { totalMB: 16384, availableMB: 8192, reserveMB: 2048, freeAboveReserveMB: 6144 },
  agents: { running: 0, queued: 0, max: 2, tasks: [] },
  programs: { sh: 'installed', git: 'installed', tmux: 'installed', claude: 'installed' }, worktreeRoot: 'ok', agentRssMB: {}, probeMs: 5, ...over,
});
const probed = (r: HostRow): ProbedRow => ({ row: r, at: probedAt });

describe('hostSituation: remote agents and the probe time', () => {
  it('an agent running at the probe is in its memory reading; one started after it still has its whole peak to come, as do the ones being started', () => {
    const tasks = [task('old', { host: 'box' }), task('new', { host: 'box', startedAt: probedAt + 2000 }), task('here'), task('gone', { host: 'box', state: 'ready', attempt: 'pending' })];
    const s = hostSituation(probed(row('box')), tasks, 1500, [1800]);
    expect(s.running).toEqual([
      { kind: 'agent', expectedPeakMB: 1500, rssMB: 1500 },
      { kind: 'agent', expectedPeakMB: 1500, rssMB: 0 },
      { kind: 'agent', expectedPeakMB: 1800, rssMB: 0 },
    ]);
    // 8192 - 2048 - 1500 - 1800 = 2844: another 1.5 GB agent fits, but that is the host's second and last slot.
    expect(placeTask([s], { program: 'claude', expectedPeakMB: 1500 })).toEqual({ host: null, waiting: [{ host: 'box', reason: '3/2 agent slots busy' }] });
    expect(placeTask([hostSituation(probed(row('box', { agents: { running: 0, queued: 0, max: 4, tasks: [] } })), tasks, 1500, [1800])], { program: 'claude', expectedPeakMB: 3000 })).toEqual({
      host: null,
      waiting: [{ host: 'box', reason: 'needs ~2.9 GB, 2.8 GB free above reserve' }],
    });
  });
});

describe('hostSituation: the RSS the probe measured on the host', () => {
  it('an agent the probe measured counts with its real RSS (growth = peak - RSS); one it could not measure stays at its peak', () => {
    const tasks = [task('small', { host: 'box' }), task('big', { host: 'box' }), task('unmeasured', { host: 'box' })];
    const measured = row('box', { agentRssMB: { small: 300, big: 1700, ghost: 999 }, agents: { running: 3, queued: 0, max: 4, tasks: ['small', 'big', 'unmeasured'] } });
    const s = hostSituation(probed(measured), tasks, 1500);
    expect(s.running).toEqual([
      { kind: 'agent', expectedPeakMB: 1500, rssMB: 300 },
      { kind: 'agent', expectedPeakMB: 1500, rssMB: 1700 },
      { kind: 'agent', expectedPeakMB: 1500, rssMB: 1500 },
    ]);
    // 8192 - 2048 = 6144 above reserve; 'small' may still grow by 1200 MB, the others by nothing: 4944 free.
    expect(placeTask([s], { program: 'claude', expectedPeakMB: 4944 })).toEqual({ host: 'box', freeMB: 4944 });
    expect(placeTask([s], { program: 'claude', expectedPeakMB: 5000 })).toEqual({ host: null, waiting: [{ host: 'box', reason: 'needs ~4.9 GB, 4.8 GB free above reserve' }] });
    // The queue panel and status: the measured RSS of the agents the registry has there (not of other sessions).
    expect(hostQueueViews([probed(measured)], tasks, { programOf: () => 'claude', peakMB: 1500 })[0]).toMatchObject({ agentsRssMB: 2000, freeAboveReserveMB: 4944 });
  });
});

describe('hostQueueViews: what the queue panel and status show per host', () => {
  it('agents of the maximum, memory above reserve after growth, each queued task under the host it waits for, with why', () => {
    const tasks = [
      task('one', { host: 'box', startedAt: probedAt + 1000 }),
      task('two', { state: 'queued', attempt: null, pin: 'box', reason: 'waiting: host box 1/1 agent slots busy' }),
      task('three', { state: 'queued', attempt: 'pending', reason: 'waiting: 8/8 agent slots busy' }),
      task('four', { state: 'queued', attempt: null, pin: 'far', reason: 'waiting: host far unreachable' }),
    ];
    const rows = [
      probed(row('local', { agents: { running: 0, queued: 1, max: 8, tasks: [] } })),
      probed(row('box', { agents: { running: 1, queued: 1, max: 1, tasks: ['one'] } })),
      probed(row('far', { reachable: false, fault: 'auth', message: 'Permission denied (publickey).', memory: null, programs: {}, agents: { running: 0, queued: 1, max: 4, tasks: [] } })),
    ];
    expect(hostQueueViews(rows, tasks, { programOf: () => 'claude', peakMB: 1500 })).toEqual([
      { name: 'local', reachable: true, fault: null, agents: { running: 0, max: 8 }, agentsRssMB: null, freeAboveReserveMB: 6144, probedAt: iso(probedAt), waiting: [{ taskId: 'three', reason: '8/8 agent slots busy' }] },
      { name: 'box', reachable: true, fault: null, agents: { running: 1, max: 1 }, agentsRssMB: null, freeAboveReserveMB: 6144 - 1500, probedAt: iso(probedAt), waiting: [{ taskId: 'two', reason: '1/1 agent slots busy' }] },
      { name: 'far', reachable: false, fault: 'auth: Permission denied (publickey).', agents: { running: 0, max: 4 }, agentsRssMB: null, freeAboveReserveMB: null, probedAt: iso(probedAt), waiting: [{ taskId: 'four', reason: 'unreachable (auth: Permission denied (publickey).)' }] },
    ]);
  });
});

describe('cachedHostRows: one probe for several starts', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-place-cache-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reuses a recent probe (0600 file), probes again when it is stale or the host config changed, and counts agents from the registry', async () => {
    // A host nobody listens on: its probe fails fast (connection refused), which is a row all the same.
    const config = configSchema.parse({ hosts: { box: { ssh: 'me@127.0.0.1', port: 1 } } });
    let now = probedAt;
    const input = { config, configFile: join(dir, 'config.json'), stateDir: dir, tasks: [] as Task[], programs: ['claude'], maxAgeMs: 5000, timeoutMs: 10_000, now: () => now };
    const first = await cachedHostRows(input);
    expect(first.map((p) => [p.row.name, p.at])).toEqual([['local', probedAt], ['box', probedAt]]);
    expect(first[1]!.row).toMatchObject({ reachable: false, agents: { running: 0, max: 4 } });
    expect(statSync(placementCacheFile(dir)).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(readFileSync(placementCacheFile(dir), 'utf8')).hosts).sort()).toEqual(['box', 'local']); // each host probed apart: either may be written first

    now += 3000;
    const second = await cachedHostRows({ ...input, tasks: [task('x', { host: 'box' })] });
    expect(second.map((p) => p.at)).toEqual([probedAt, probedAt]);
    expect(second[1]!.row.agents).toEqual({ running: 1, queued: 0, max: 4, tasks: ['x'] });

    // Only the hosts asked for; a changed host config is not served from the old row.
    const moved = configSchema.parse({ hosts: { box: { ssh: 'me@127.0.0.1', port: 2 } } });
    expect((await cachedHostRows({ ...input, config: moved, only: ['box'] })).map((p) => [p.row.name, p.at])).toEqual([['box', probedAt + 3000]]);

    now += 6000;
    expect((await cachedHostRows(input)).map((p) => p.at)).toEqual([probedAt + 9000, probedAt + 9000]);
  });
});

describe('cachedHostRows: names config does not have', () => {
  it('get no row (and nothing is probed for them)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-place-cache-'));
    try {
      const config = configSchema.parse({});
      const rows = await cachedHostRows({ config, configFile: join(dir, 'config.json'), stateDir: dir, tasks: [], programs: [], maxAgeMs: 5000, timeoutMs: 10_000, only: ['gone'] });
      expect(rows).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
