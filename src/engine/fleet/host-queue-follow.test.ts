import { afterEach, describe, expect, it } from 'vitest';
import { AdmissionQueue } from '../builds/index.js';
import { createFleet, type Fleet } from './create-fleet.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { HAVE_TMUX } from '../../test-support/tmux-repo.js';

let repo: TempRepo | undefined;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const f of open.splice(0)) await f.close();
  repo?.cleanup();
  repo = undefined;
});

describe.skipIf(!HAVE_TMUX)('queued tasks per host', () => {
  it('a task waiting for a host that does not answer is queued with why, and does not hold back a task queued for this machine', { timeout: 90_000 }, async () => {
    repo = makeTempRepo({
      runtime: 'tmux',
      forge: 'local',
      gates: [],
      defaultAgent: 'sleeper',
      notify: { bell: false, desktop: false },
      profiles: { sleeper: { command: ['sleep', '60'], appendContext: 'prompt', hooks: 'none' } },
      limits: { maxAgents: 1, staggerMs: 0 },
      // Nothing listens on port 1: ssh's connection is refused at once.
      hosts: { far: { ssh: 'me@127.0.0.1', port: 1 } },
    });
    const fleet: Fleet = await createFleet({ cwd: repo.root, oneShot: true });
    open.push(fleet);
    await fleet.dispatch({ type: 'task.add', input: { title: 'Far', prompt: 'p', id: 'far' } });
    await fleet.dispatch({ type: 'task.add', input: { title: 'Here', prompt: 'p', id: 'here' } });

    const far = await fleet.dispatch({ type: 'task.start', id: 'far', host: 'far', wait: false });
    expect(far).toMatchObject({ queued: true, waiting: expect.stringMatching(/^waiting: host far unreachable \(unreachable: .*refused/) });
    let tasks = (await fleet.registry.read()).tasks;
    expect(tasks.find((t) => t.id === 'far')).toMatchObject({ state: 'queued', host: 'far', attempts: [] });

    // This machine's only agent slot is taken elsewhere: `here` is queued behind `far`.
    const other = new AdmissionQueue({ stateDir: fleet.paths.stateDir, configFile: fleet.paths.configFile, config: fleet.config, pollMs: 20 });
    open.push(other);
    const slot = await other.acquire({ kind: 'agent', key: 'agent:other', label: 'agent elsewhere', taskId: 'elsewhere' });
    expect(await fleet.dispatch({ type: 'task.start', id: 'here', wait: false })).toMatchObject({ queued: true, waiting: 'waiting: 1/1 agent slots busy' });

    // Per host in the queue snapshot (status --json, the queue panel).
    const snap = await fleet.admission!.snapshot();
    expect(snap.hosts?.map((h) => [h.name, h.waiting])).toEqual([
      ['local', [{ taskId: 'here', reason: '1/1 agent slots busy' }]],
      ['far', [{ taskId: 'far', reason: expect.stringMatching(/^unreachable \(unreachable: .*refused/) }]],
    ]);

    await slot.release();
    const pass = await fleet.dispatch({ type: 'monitor.check' });
    expect(pass.changes).toContainEqual(expect.objectContaining({ taskId: 'here', message: 'started (was queued)' }));
    tasks = (await fleet.registry.read()).tasks;
    expect(tasks.find((t) => t.id === 'here')?.state).toBe('running');
    expect(tasks.find((t) => t.id === 'far')?.state).toBe('queued');
    await fleet.dispatch({ type: 'task.stop', id: 'here' });
  });
});
