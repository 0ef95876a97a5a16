import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe.skipIf(!HAVE_TMUX)('finished agents (tmux runtime)', () => {
  it("a ready task's idle agent holds no slot; stop closes it and the task stays ready; finishedAgents close does it in the pass", async () => {
    // The agent commits its task's file, says so, and stays alive (an interactive agent's idle prompt).
    const commit = 'echo "$FLOTILLA_TASK" > "$FLOTILLA_TASK.txt" && git add -A && git -c user.name=t -c user.email=t@t.invalid commit -qm "$FLOTILLA_TASK done" && echo finished; sleep 300';
    t = makeTmuxRepo('finished', {
      forge: 'local',
      gates: ['pr'],
      limits: { maxAgents: 1, staggerMs: 0 },
      profiles: { finisher: { command: ['bash', '-c', commit], hooks: 'none', quietMs: 300 } },
      defaultAgent: 'finisher',
    });
    const { cli } = t;
    type Status = {
      tasks: Array<{ id: string; state: string; reason: string | null; attempts: Array<{ session: { state: string } | null }> }>;
      resources: { running: Array<{ taskId?: string; reason?: string }> };
    };
    const status = async () => JSON.parse((await cli(['status', '--json'])).stdout) as Status;
    const task = (s: Status, id: string) => s.tasks.find((x) => x.id === id)!;
    const sessions = () => {
      try {
        return execFileSync('tmux', ['-L', t!.env.FLOTILLA_TMUX_SOCKET!, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
      } catch {
        return []; // no server: no session
      }
    };
    for (const id of ['done', 'two']) expect((await cli(['add', `Task ${id}`, '--id', id, '--prompt', 'p'])).code).toBe(0);
    expect((await cli(['start', 'done'])).code).toBe(0);
    await waitFor('done ready', async () => (await cli(['check'])) && task(await status(), 'done').state === 'ready');

    // Ready with its agent alive and idle: the agent is there, but the one slot is free.
    let s = await status();
    expect(task(s, 'done').attempts.at(-1)!.session!.state).not.toBe('exited');
    expect(s.resources.running.find((r) => r.taskId === 'done')?.reason).toBe('idle in a finished task: holds no slot');
    expect((await cli(['start', 'two'])).stdout).toMatch(/^started two/);
    expect(task(await status(), 'two').state).toBe('running');

    // Closing the finished agent: the task stays ready with its reason, and still needs the human.
    const stopped = await cli(['stop', 'done']);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toBe("stopped done's agent (done stays ready)\n");
    s = await status();
    expect(task(s, 'done')).toMatchObject({ state: 'ready', reason: 'all gates passed' });
    expect(task(s, 'done').attempts.at(-1)!.session!.state).toBe('exited');
    expect(sessions()).toEqual(['two']);

    // finishedAgents: "close": the pass that finds two ready closes its agent itself.
    const configFile = join(t.repo.root, '.flotilla', 'config.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), finishedAgents: 'close' }));
    const check = await waitFor('two closed', async () => {
      const c = (await cli(['check'])).stdout;
      return c.includes('agent closed: two is ready (finishedAgents: close)') && c;
    });
    // Both still need the human: the closed agents took nothing from their tasks.
    expect(check).toMatch(/needs you:\n  done: ready: PR #1 ready for review\n  two: ready: PR #2 ready for review\n/);
    expect(task(await status(), 'two')).toMatchObject({ state: 'ready' });
    expect(sessions()).toEqual([]);
  }, 60_000);
});
