import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../config/index.js';
import { AdmissionQueue } from './admission-queue.js';
import type { MemoryReading } from './decide.js';
import { finishedAgentsToClose, idleAgentTasks, queuedInOrder } from './idle-slots.js';
import type { Task } from '../core/index.js';

const GB = 1024;
const plenty = (): MemoryReading => ({ totalMB: 16 * GB, availableMB: 12 * GB, swapTotalMB: 0, swapUsedMB: 0, swapping: false });
const agent = (id: string) => ({ kind: 'agent' as const, key: 'agent:demo', label: `agent ${id}`, taskId: id });

let dir: string;
let queues: AdmissionQueue[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-slots-'));
});
afterEach(async () => {
  for (const q of queues) await q.close();
  queues = [];
  rmSync(dir, { recursive: true, force: true });
});

function makeQueue(idle: Set<string> = new Set(), limits: Record<string, unknown> = {}) {
  const q = new AdmissionQueue({
    stateDir: dir,
    configFile: join(dir, 'config.json'),
    config: configSchema.parse({ limits: { staggerMs: 0, memReserveMB: 2 * GB, maxAgents: 1, ...limits } }),
    memory: async () => plenty(),
    pollMs: 20,
    idleAgentTasks: async () => idle,
  });
  queues.push(q);
  return q;
}

function task(id: string, state: Task['state'], session: string | null, stateSince = '2026-01-01T00:00:00.000Z'): Task {
  return {
    id,
    state,
    stateSince,
    attempts: session ? [{ n: 1, session: { state: session, pid: 1, since: stateSince } }] : [],
  } as unknown as Task;
}

describe('tryAcquire (a start that does not wait)', () => {
  it('starts at once when a slot is free, and withdraws with the reason when none is', async () => {
    const q = makeQueue();
    const first = await q.tryAcquire(agent('a'));
    expect('waiting' in first).toBe(false);
    const second = await q.tryAcquire(agent('b'));
    expect(second).toEqual({ waiting: 'waiting: 1/1 agent slots busy' });
    // Withdrawn: the shared queue holds only the running agent, nothing left waiting.
    const data = await q.queue.read();
    expect(data.entries.map((e) => [e.taskId, e.state])).toEqual([['a', 'running']]);
  });

  it('waits out a stagger of a moment instead of leaving the second of two starts queued', async () => {
    const q = makeQueue(new Set(), { staggerMs: 300, maxAgents: 4 });
    expect('waiting' in (await q.tryAcquire(agent('a')))).toBe(false);
    expect('waiting' in (await q.tryAcquire(agent('b')))).toBe(false);
  });

  it('says "elsewhere" when a live process already waits for the same task (no second start)', async () => {
    const q = makeQueue();
    await q.acquire(agent('a'));
    const waiting = q.acquire(agent('b')).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    const other = await q.tryAcquire(agent('b'));
    expect(other).toMatchObject({ elsewhere: true, waiting: 'waiting: 1/1 agent slots busy' });
    await q.close();
    await waiting;
  });
});

describe('finished agents hold no slot', () => {
  it('an agent idle in a ready or escalated task does not count against maxAgents', async () => {
    const idle = new Set<string>();
    const q = makeQueue(idle);
    expect('waiting' in (await q.tryAcquire(agent('done')))).toBe(false);
    expect(await q.tryAcquire(agent('next'))).toEqual({ waiting: 'waiting: 1/1 agent slots busy' });
    idle.add('done'); // its task became ready and the agent went idle
    expect('waiting' in (await q.tryAcquire(agent('next')))).toBe(false);
    const snap = await q.snapshot();
    expect(snap.running.find((j) => j.taskId === 'done')?.reason).toBe('idle in a finished task: holds no slot');
  });

  it('idleAgentTasks: finished tasks whose agent is not working', () => {
    const tasks = [
      task('ready-idle', 'ready', 'idle'),
      task('ready-busy', 'ready', 'working'),
      task('esc-waiting', 'escalated', 'waiting'),
      task('esc-gone', 'escalated', 'exited'),
      task('running-idle', 'running', 'idle'),
      task('checking', 'checking', 'idle'),
    ];
    expect([...idleAgentTasks(tasks)]).toEqual(['ready-idle', 'esc-waiting', 'esc-gone']);
  });

  it('finishedAgentsToClose: nothing with keep; idle live agents of finished tasks with close', () => {
    const tasks = [task('ready-idle', 'ready', 'idle'), task('ready-busy', 'ready', 'working'), task('esc-gone', 'escalated', 'exited'), task('run', 'running', 'idle')];
    expect(finishedAgentsToClose(tasks, 'keep')).toEqual([]);
    expect(finishedAgentsToClose(tasks, 'close').map((t) => t.id)).toEqual(['ready-idle']);
  });

  it('queuedInOrder: queued tasks, oldest first', () => {
    const tasks = [task('b', 'queued', null, '2026-01-02T00:00:00Z'), task('x', 'new', null), task('a', 'queued', null, '2026-01-01T00:00:00Z')];
    expect(queuedInOrder(tasks).map((t) => t.id)).toEqual(['a', 'b']);
  });
});
