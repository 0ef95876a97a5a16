import { afterEach, describe, expect, it } from 'vitest';
import { AdmissionQueue } from '../builds/index.js';
import { createFleet, type Fleet } from './create-fleet.js';
import { commitInLatest, failLatest, startFirstAttempt } from '../../test-support/recovery-attempts.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { HAVE_TMUX } from '../../test-support/tmux-repo.js';
import { transition } from '../tasks/index.js';

let repo: TempRepo | undefined;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
  // Cleared first: a failed cleanup must not hand this repository to the next test (`repo ??=`).
  const done = repo;
  repo = undefined;
  done?.cleanup();
});

/** A tmux-runtime repository with one agent slot and an agent that just sleeps. */
async function tmuxFleet(extra: Record<string, unknown> = {}, options: { oneShot?: boolean } = {}): Promise<Fleet> {
  repo ??= makeTempRepo({
    runtime: 'tmux',
    forge: 'local',
    gates: [],
    defaultAgent: 'sleeper',
    notify: { bell: false, desktop: false },
    profiles: { sleeper: { command: ['sleep', '60'], appendContext: 'prompt', hooks: 'none' } },
    limits: { maxAgents: 1, staggerMs: 0 },
    ...extra,
  });
  const fleet = await createFleet({ cwd: repo.root, ...options });
  open.push(fleet);
  return fleet;
}

/** Another flotilla process holding the only agent slot (same queue file). */
async function holdTheSlot(fleet: Fleet) {
  const other = new AdmissionQueue({ stateDir: fleet.paths.stateDir, configFile: fleet.paths.configFile, config: fleet.config, pollMs: 20 });
  open.push(other);
  return other.acquire({ kind: 'agent', key: 'agent:other', label: 'agent elsewhere', taskId: 'elsewhere' });
}

describe.skipIf(!HAVE_TMUX)('slots follow work', () => {
  it('a one-shot check does not wait for an agent slot: its automatic retry is left queued, and a later pass starts it', { timeout: 60_000 }, async () => {
    const fleet = await tmuxFleet({}, { oneShot: true });
    await fleet.dispatch({ type: 'task.add', input: { title: 'Crashy', prompt: 'p', id: 'crashy' } });
    await startFirstAttempt(fleet, 'crashy');
    await commitInLatest(fleet, 'crashy', 'a.txt', 'a\n');
    await failLatest(fleet, 'crashy', 'crashed', 'agent exited with code 1');
    const slot = await holdTheSlot(fleet);

    const started = Date.now();
    const pass = await fleet.dispatch({ type: 'monitor.check' });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(pass.changes).toContainEqual(expect.objectContaining({ taskId: 'crashy', what: 'retry' }));
    let task = (await fleet.registry.read()).tasks[0]!;
    expect(task.state).toBe('queued');
    expect(task.reason).toBe('waiting: 1/1 agent slots busy');
    expect(task.attempts.at(-1)).toMatchObject({ n: 2, state: 'pending' });
    expect(await fleet.sessions!.isAlive('crashy')).toBe(false);

    // The slot frees up; the next one-shot pass starts the queued task.
    await slot.release();
    const next = await createFleet({ cwd: repo!.root, oneShot: true });
    open.push(next);
    const pass2 = await next.dispatch({ type: 'monitor.check' });
    expect(pass2.changes).toContainEqual(expect.objectContaining({ taskId: 'crashy', message: 'started (was queued)' }));
    task = (await next.registry.read()).tasks[0]!;
    expect(task.state).toBe('running');
    expect(await next.sessions!.isAlive('crashy')).toBe(true);
  });

  it('flotilla start without --wait: no slot leaves the task queued and returns at once', { timeout: 30_000 }, async () => {
    const fleet = await tmuxFleet();
    await fleet.dispatch({ type: 'task.add', input: { title: 'Later', prompt: 'p', id: 'later' } });
    await holdTheSlot(fleet);
    const result = await fleet.dispatch({ type: 'task.start', id: 'later', wait: false });
    expect(result).toEqual({ waiting: 'waiting: 1/1 agent slots busy', queued: true });
    expect((await fleet.registry.read()).tasks[0]).toMatchObject({ state: 'queued', reason: 'waiting: 1/1 agent slots busy' });
  });

  it.each(['ready', 'escalated'] as const)('stopping the agent of a %s task keeps its state', { timeout: 30_000 }, async (state) => {
    const fleet = await tmuxFleet();
    await fleet.dispatch({ type: 'task.add', input: { title: 'Done', prompt: 'p', id: 'done' } });
    await fleet.dispatch({ type: 'task.start', id: 'done' });
    expect(await fleet.sessions!.isAlive('done')).toBe(true);
    await fleet.registry.updateTask('done', (t) => transition(t, state, state === 'escalated' ? 'gave up after 3 attempts' : 'all gates passed'));
    await fleet.dispatch({ type: 'task.stop', id: 'done' });
    expect(await fleet.sessions!.isAlive('done')).toBe(false);
    const task = (await fleet.registry.read()).tasks[0]!;
    expect(task.state).toBe(state);
    expect(task.reason).toBe(state === 'escalated' ? 'gave up after 3 attempts' : 'all gates passed');
  });
});
