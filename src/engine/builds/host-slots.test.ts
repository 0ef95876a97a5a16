import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../core/index.js';
import { AdmissionQueue } from './admission-queue.js';

const GB = 1024;
let dir: string;
let queues: AdmissionQueue[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-host-slots-'));
});
afterEach(async () => {
  for (const q of queues) await q.close();
  queues = [];
  rmSync(dir, { recursive: true, force: true });
});

function makeQueue(maxAgents = 1) {
  const q = new AdmissionQueue({
    stateDir: dir,
    configFile: join(dir, 'config.json'),
    config: configSchema.parse({ limits: { staggerMs: 0, memReserveMB: 2 * GB, maxAgents } }),
    memory: async () => ({ totalMB: 16 * GB, availableMB: 12 * GB, swapTotalMB: 0, swapUsedMB: 0, swapping: false }),
    pollMs: 20,
  });
  queues.push(q);
  return q;
}

const agent = (task: string) => ({ kind: 'agent' as const, key: 'agent:claude', label: `agent ${task}`, taskId: task });
/** A host with one agent slot, of which the registry says `registry` are taken. */
const oneSlot = (registry: () => number) => async (starting: number[]) => {
  // Yield inside the lock, as the real decider does (it reads the registry): a second start must still wait for it.
  await new Promise((r) => setTimeout(r, 30));
  const busy = registry() + starting.length;
  return busy >= 1 ? `waiting: host box ${busy}/1 agent slots busy` : null;
};

describe('agent slots on a remote host (reserveOnHost)', () => {
  it('two starts at once (two flotilla processes) never both take the last slot; released, the next gets it', async () => {
    const a = makeQueue();
    const b = makeQueue();
    const [ra, rb] = await Promise.all([a.reserveOnHost(agent('one'), 'box', oneSlot(() => 0)), b.reserveOnHost(agent('two'), 'box', oneSlot(() => 0))]);
    const got = [ra, rb].filter((r) => 'release' in r);
    const refused = [ra, rb].filter((r) => 'waiting' in r);
    expect(got).toHaveLength(1);
    expect(refused).toEqual([{ waiting: 'waiting: host box 1/1 agent slots busy' }]);
    // The registry now records the first agent running; the reservation goes.
    await (got[0] as { release(): Promise<void> }).release();
    expect(await b.reserveOnHost(agent('two'), 'box', oneSlot(() => 1))).toEqual({ waiting: 'waiting: host box 1/1 agent slots busy' });
    const again = await b.reserveOnHost(agent('two'), 'box', oneSlot(() => 0));
    expect('release' in again).toBe(true);
  });

  it("a reservation on a host holds none of this machine's slots, and its queue snapshot does not list it", async () => {
    const q = makeQueue(1);
    const r = await q.reserveOnHost(agent('far'), 'box', oneSlot(() => 0));
    expect('release' in r).toBe(true);
    // Another host's reservations are separate too.
    expect('release' in (await q.reserveOnHost(agent('other'), 'big', oneSlot(() => 0)))).toBe(true);
    const local = await q.tryAcquire(agent('here'));
    expect('waiting' in local).toBe(false);
    const snap = await q.snapshot();
    expect(snap.running.map((j) => j.label)).toEqual(['agent here']);
    expect(snap.waiting).toEqual([]);
  });

  it("a process that ends (close) withdraws its reservations", async () => {
    const a = makeQueue();
    expect('release' in (await a.reserveOnHost(agent('one'), 'box', oneSlot(() => 0)))).toBe(true);
    await a.close();
    const b = makeQueue();
    expect('release' in (await b.reserveOnHost(agent('two'), 'box', oneSlot(() => 0)))).toBe(true);
  });
});
