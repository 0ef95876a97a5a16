import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN } from '../../src/test-support/temp-repo.js';
import { HAVE_TMUX, makeTmuxRepo, waitFor, type TmuxRepo } from '../../src/test-support/tmux-repo.js';

let t: TmuxRepo | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

/** One agent slot, two sleeper tasks, and `one` started (holding the slot). */
async function oneSlotTaken(name: string): Promise<TmuxRepo> {
  const repo = makeTmuxRepo(name, {
    limits: { maxAgents: 1, staggerMs: 0 },
    profiles: { sleeper: { command: ['bash', '-c', 'echo up; sleep 300'] } },
    defaultAgent: 'sleeper',
  });
  expect((await repo.cli(['add', 'One', '--prompt', 'p'])).code).toBe(0);
  expect((await repo.cli(['add', 'Two', '--prompt', 'p'])).code).toBe(0);
  expect((await repo.cli(['start', 'one'])).code).toBe(0);
  return repo;
}

describe.skipIf(!HAVE_TMUX)('agent slots across processes (tmux runtime)', () => {
  it('an agent started by a CLI process that has exited still holds its slot; the next start --wait waits with the reason, and goes once it stops', async () => {
    t = await oneSlotTaken('slots');
    const { cli } = t;

    const second = cli(['start', 'two', '--wait']);
    const waiting = await waitFor('the second start waiting for a slot', async () => {
      const s = JSON.parse((await cli(['status', '--json'])).stdout) as {
        tasks: Array<{ id: string; state: string; reason: string | null }>;
        resources: { running: Array<{ taskId?: string }>; waiting: Array<{ taskId?: string; reason?: string }> };
      };
      // The entry says "queued" until its first admission decision, then why it waits; the task
      // itself shows queued with that reason once the waiting process has written it.
      const two = s.tasks.find((x) => x.id === 'two');
      return s.resources.waiting.find((w) => w.taskId === 'two' && w.reason !== 'waiting: queued') && two?.state === 'queued' && s;
    });
    expect(waiting.resources.running.map((r) => r.taskId)).toEqual(['one']);
    expect(waiting.resources.waiting.find((w) => w.taskId === 'two')!.reason).toMatch(/1\/1 agent slots? busy/);
    expect(waiting.tasks.find((x) => x.id === 'two')!.reason).toMatch(/^waiting: 1\/1 agent slots? busy/);

    expect((await cli(['stop', 'one'])).code).toBe(0);
    const started = await second;
    // It said why it waited, once, instead of hanging silently.
    expect(started.stderr).toMatch(/^flotilla: two waiting: 1\/1 agent slots? busy \(flotilla status shows the queue; Ctrl-C gives up\)\n$/);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/started two/);
    const after = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ id: string; state: string }> };
    expect(after.tasks.find((x) => x.id === 'two')!.state).toBe('running');
  }, 90_000);

  it('start without --wait returns at once when no slot is free, leaving the task queued with the reason', async () => {
    t = await oneSlotTaken('slots-nowait');
    const { cli } = t;
    const started = await cli(['start', 'two']);
    expect(started.code).toBe(0);
    expect(`${started.stdout}${started.stderr}`).toMatch(/two.*queued|queued.*two/);
    const s = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ id: string; state: string; reason: string | null }> };
    expect(s.tasks.find((x) => x.id === 'two')).toMatchObject({ state: 'queued', reason: expect.stringMatching(/1\/1 agent slots? busy/) });
  }, 60_000);

  it('Ctrl-C while a start --wait waits for its slot gives up: the task goes back to new and leaves the queue', async () => {
    t = await oneSlotTaken('slots-int');
    const { cli } = t;

    const child = spawn(process.execPath, [BIN, 'start', 'two', '--wait'], { cwd: t.repo.root, env: { ...process.env, ...t.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    type Status = { tasks: Array<{ id: string; state: string; reason: string | null }>; resources: { waiting: Array<{ taskId?: string }> } };
    const status = async () => JSON.parse((await cli(['status', '--json'])).stdout) as Status;
    await waitFor('two queued', async () => (await status()).tasks.find((x) => x.id === 'two')?.state === 'queued');
    child.kill('SIGINT');
    const code = await closed;
    expect(code).not.toBe(0);
    expect(stderr).toMatch(/stopped waiting for agent two/);
    const after = await status();
    expect(after.tasks.find((x) => x.id === 'two')).toMatchObject({ state: 'new', reason: null });
    expect(after.resources.waiting.filter((w) => w.taskId === 'two')).toEqual([]);
  }, 90_000);
});
