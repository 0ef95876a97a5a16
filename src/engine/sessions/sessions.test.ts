import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, startedSession, type Fleet } from '../fleet/index.js';
import { PROJECT_ROOT, makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import type { SessionState } from '../core/index.js';
import { findExecutable } from './which.js';

const HOOK_AGENT = join(PROJECT_ROOT, 'test', 'fixtures', 'hook-agent.mjs');
const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (last: ${String(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // keep cleaning
    }
  }
});

interface Setup {
  repo: TempRepo;
  fleet: Fleet;
  socket: string;
  states: SessionState[];
}

async function setup(runtime: 'tmux' | 'pty', profiles: Record<string, unknown>): Promise<Setup> {
  const repo = makeTempRepo({ runtime, profiles });
  const socket = `flt-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const fleet = await createFleet({ cwd: repo.root, sessions: { runtime, tmuxSocket: socket, size: { cols: 100, rows: 30 } } });
  const states: SessionState[] = [];
  fleet.events.on((e) => {
    if (e.type === 'session.status') states.push(e.session.state);
  });
  cleanups.push(() => repo.cleanup());
  cleanups.push(() => {
    if (runtime === 'tmux') {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // no server left: good
      }
    }
  });
  cleanups.push(() => fleet.close());
  return { repo, fleet, socket, states };
}

async function addTask(fleet: Fleet, id: string, agent: string, prompt = 'do the thing'): Promise<void> {
  await fleet.dispatch({ type: 'task.add', input: { title: id, id, agent, prompt } });
}

async function sessionOf(fleet: Fleet, id: string) {
  const data = await fleet.registry.read();
  return data.tasks.find((t) => t.id === id)?.attempts.at(-1)?.session ?? null;
}

const ECHO_AGENT = {
  command: ['bash', '-c', 'echo "agent for $FLOTILLA_TASK attempt $FLOTILLA_ATTEMPT updater=$DISABLE_AUTOUPDATER"; head -c 40 "$1"; echo; sleep 300 & echo "child $!"; cat -n; wait', 'agent', '{promptFile}'],
  quietMs: 400,
};

for (const runtime of ['pty', 'tmux'] as const) {
  describe.skipIf(runtime === 'tmux' && !HAVE_TMUX)(`sessions on the ${runtime} runtime`, () => {
    it('starts, captures, takes typed text, and stops without leaving processes', async () => {
      const { fleet, repo } = await setup(runtime, { echo: ECHO_AGENT });
      await addTask(fleet, 'echo-task', 'echo', 'Prompt first line');
      const info = startedSession(await fleet.dispatch({ type: 'task.start', id: 'echo-task' }));
      expect(info.state).toBe('starting');
      expect(info.pid).toBeGreaterThan(0);
      const screen = await waitFor('first screen', async () => {
        const s = await fleet.sessions!.capture('echo-task');
        return /child \d+/.test(s) && s;
      });
      expect(screen).toContain('agent for echo-task attempt 1 updater=1');
      expect(screen).toContain('Prompt first line');
      const childPid = Number(/child (\d+)/.exec(screen)![1]);
      expect(pidAlive(childPid)).toBe(true);

      await fleet.dispatch({ type: 'task.send', id: 'echo-task', text: 'hello agent' });
      await waitFor('echoed input', async () => /1\s+hello agent/.test(await fleet.sessions!.capture('echo-task')));

      // The worktree was created for attempt 1 and the task is running.
      const running = (await fleet.registry.read()).tasks[0]!;
      expect(running.state).toBe('running');
      expect(existsSync(running.attempts[0]!.worktree)).toBe(true);
      expect(statSync(join(repo.root, '.flotilla', 'prompts', 'echo-task', '1.md')).mode & 0o777).toBe(0o600);

      await fleet.dispatch({ type: 'task.stop', id: 'echo-task' });
      await waitFor('agent gone', () => !pidAlive(info.pid!));
      await waitFor('child gone', () => !pidAlive(childPid));
      const stopped = (await fleet.registry.read()).tasks[0]!;
      expect(stopped.state).toBe('stopped');
      expect(stopped.attempts[0]!.session?.state).toBe('exited');
      expect(await fleet.sessions!.isAlive('echo-task')).toBe(false);
      const log = await waitFor('log', () => existsSync(join(repo.root, '.flotilla', 'logs', 'echo-task', '1.log')) && readFileSync(join(repo.root, '.flotilla', 'logs', 'echo-task', '1.log'), 'utf8'));
      expect(log).toContain('agent for echo-task');
    });

    it('follows status from Claude-style hook events', async () => {
      const { fleet, states } = await setup(runtime, {
        hooky: { command: [process.execPath, HOOK_AGENT, '{prompt}'], hooks: 'claude', quietMs: 60_000 },
      });
      await addTask(fleet, 'hook-task', 'hooky');
      await fleet.dispatch({ type: 'task.start', id: 'hook-task' });
      if (runtime === 'tmux') await fleet.sessions!.adopt();
      await waitFor('waiting', async () => (await sessionOf(fleet, 'hook-task'))?.state === 'waiting');
      expect(states).toContain('working');
      expect((await sessionOf(fleet, 'hook-task'))?.message).toMatch(/permission/);
      await fleet.dispatch({ type: 'task.send', id: 'hook-task', text: 'yes' });
      await waitFor('idle', async () => (await sessionOf(fleet, 'hook-task'))?.state === 'idle');
      await fleet.dispatch({ type: 'task.send', id: 'hook-task', text: 'quit' });
      const exited = await waitFor('exited', async () => {
        const s = await sessionOf(fleet, 'hook-task');
        return s?.state === 'exited' && s;
      });
      expect(exited.exitCode).toBe(0);
    });

    it('falls back to screen patterns and the quiet timer', async () => {
      const { fleet } = await setup(runtime, {
        quiet: {
          command: ['bash', '-c', 'echo working hard; read -r a; echo "Allow this edit? [y/n]"; read -r b; echo all done; sleep 300'],
          patterns: { waiting: ['Allow this edit\\?'] },
          quietMs: 300,
        },
      });
      await addTask(fleet, 'quiet-task', 'quiet');
      await fleet.dispatch({ type: 'task.start', id: 'quiet-task' });
      await waitFor('idle after quiet', async () => (await sessionOf(fleet, 'quiet-task'))?.state === 'idle');
      await fleet.dispatch({ type: 'task.send', id: 'quiet-task', text: 'go' });
      await waitFor('waiting by pattern', async () => (await sessionOf(fleet, 'quiet-task'))?.state === 'waiting');
      await fleet.dispatch({ type: 'task.send', id: 'quiet-task', text: 'y' });
      await waitFor('idle again', async () => (await sessionOf(fleet, 'quiet-task'))?.state === 'idle');
      await fleet.dispatch({ type: 'task.stop', id: 'quiet-task' });
    });

    it('attaches with raw passthrough until the detach key, and reports an exit during attach', async () => {
      const { fleet } = await setup(runtime, { echo: ECHO_AGENT });
      await addTask(fleet, 'attach-task', 'echo');
      await fleet.dispatch({ type: 'task.start', id: 'attach-task' });
      await waitFor('agent ready', async () => /child \d+/.test(await fleet.sessions!.capture('attach-task')));
      const open = () => {
        const stdin = new PassThrough();
        const stdout = new PassThrough();
        let seen = '';
        stdout.on('data', (d) => (seen += d));
        const outcome = fleet.sessions!.attach('attach-task', {
          stdin: stdin as unknown as NodeJS.ReadStream,
          stdout: stdout as unknown as NodeJS.WriteStream,
          detachKey: 'C-]',
        });
        return { stdin, outcome, seen: () => seen };
      };
      const first = open();
      await new Promise((r) => setTimeout(r, 300));
      first.stdin.write('typed while attached\r');
      await waitFor('typed text reached the agent', async () => /1\s+typed while attached/.test(await fleet.sessions!.capture('attach-task')));
      await waitFor('agent output reached the terminal', () => first.seen().includes('typed while attached'));
      first.stdin.write('\x1d');
      expect(await first.outcome).toEqual({ reason: 'detached' });
      expect(await fleet.sessions!.isAlive('attach-task')).toBe(true);

      const second = open();
      await new Promise((r) => setTimeout(r, 300));
      // The agent ends while attached (stopped from elsewhere): attach returns with the exit.
      await fleet.dispatch({ type: 'task.stop', id: 'attach-task' });
      const outcome = await second.outcome;
      expect(outcome.reason).toBe('exited');
    });

    it('passes a long prompt as one argument', async () => {
      const { fleet, repo } = await setup(runtime, { long: { command: ['bash', '-c', 'echo "length ${#1} end ${1: -5}"; sleep 300', 'agent', '{prompt}'] } });
      const prompt = `${'x'.repeat(30_000)}; tail`;
      await addTask(fleet, 'long-task', 'long', prompt);
      await fleet.dispatch({ type: 'task.start', id: 'long-task' });
      const screen = await waitFor('length line', async () => {
        const s = await fleet.sessions!.capture('long-task');
        return /length \d+/.test(s) && s;
      });
      const composed = readFileSync(join(repo.root, '.flotilla', 'prompts', 'long-task', '1.md'), 'utf8');
      expect(screen).toContain(`length ${composed.length} end ${composed.slice(-5)}`);
      expect(existsSync(join(repo.root, '.flotilla', 'prompts', 'long-task', '1.argv'))).toBe(false);
      await fleet.dispatch({ type: 'task.stop', id: 'long-task' });
    });

    it('reports a missing agent binary as exited, naming the command', async () => {
      const { fleet } = await setup(runtime, { ghost: { command: ['no-such-agent-xyz', '{prompt}'] } });
      await addTask(fleet, 'ghost-task', 'ghost');
      const info = startedSession(await fleet.dispatch({ type: 'task.start', id: 'ghost-task' }));
      expect(info.state).toBe('exited');
      expect(info.message).toContain('no-such-agent-xyz');
      const task = (await fleet.registry.read()).tasks[0]!;
      expect(task.attempts[0]!.session?.state).toBe('exited');
      expect(task.reason).toContain('no-such-agent-xyz');
    });

    it('a shown screen has the scrollback: lines printed before it was shown and after, a look back, every line for a search', async () => {
      const { fleet } = await setup(runtime, {
        lines: { command: ['bash', '-c', 'for i in $(seq 1 60); do echo "line $i"; done; read x; for i in $(seq 61 120); do echo "line $i"; done; sleep 300'] },
      });
      await addTask(fleet, 'lines-task', 'lines');
      await fleet.dispatch({ type: 'task.start', id: 'lines-task' });
      // Shown only once the first 60 lines are out (the fleet view opened after the agent printed).
      await waitFor('the first lines', async () => (await fleet.sessions!.capture('lines-task')).includes('line 60'));
      const off = fleet.sessions!.subscribeScreen('lines-task', { cols: 60, rows: 10 }, () => undefined);
      try {
        const live = await waitFor('lines above the screen', () => {
          const s = fleet.sessions!.screen('lines-task');
          return s && s.scrollback! >= 50 && s.lines.some((l) => l.includes('line 60')) && s;
        });
        expect(live.top).toBe(live.scrollback);
        const oldest = fleet.sessions!.screen('lines-task', { top: 0 })!;
        expect(oldest.lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trim()).slice(0, 2)).toEqual(['line 1', 'line 2']);
        expect(oldest.cursor.visible).toBe(false);

        await fleet.dispatch({ type: 'task.send', id: 'lines-task', text: 'more' });
        const all = await waitFor('the later lines in the history', () => {
          const h = fleet.sessions!.history?.('lines-task');
          return h && h.some((l) => l.trim() === 'line 120') && h;
        });
        const numbered = all.map((l) => l.trim()).filter((l) => /^line \d+$/.test(l));
        expect(numbered).toEqual(Array.from({ length: 120 }, (_, i) => `line ${i + 1}`));
        expect(fleet.sessions!.screen('lines-task')!.scrollback).toBeGreaterThanOrEqual(110);
      } finally {
        off();
      }
      await fleet.dispatch({ type: 'task.stop', id: 'lines-task' });
    });

    it('keeps a live screen with styles and survives resizes after exit', async () => {
      const { fleet } = await setup(runtime, {
        colour: { command: ['bash', '-c', 'printf "\\033[1;31mRED\\033[0m \\033[38;5;208mORANGE\\033[0m \\033[38;2;1;2;3mRGB\\033[0m 漢字\\n"; sleep 300'] },
      });
      await addTask(fleet, 'colour-task', 'colour');
      await fleet.dispatch({ type: 'task.start', id: 'colour-task' });
      let changes = 0;
      const off = fleet.sessions!.subscribeScreen('colour-task', { cols: 60, rows: 10 }, () => changes++);
      const snap = await waitFor('styled screen', () => {
        const s = fleet.sessions!.screen('colour-task');
        return s && s.lines.some((l) => l.includes('RGB')) && s;
      });
      expect(snap.cols).toBe(60);
      await waitFor('a change notification', () => changes > 0);
      const line = snap.lines.find((l) => l.includes('RGB'))!;
      expect(line).toContain('\x1b[0;1;31mRED');
      expect(line).toContain('38;5;208mORANGE');
      expect(line).toContain('38;2;1;2;3mRGB');
      expect(line).toContain('漢字');
      const ansi = await fleet.sessions!.capture('colour-task', { ansi: true });
      expect(ansi).toMatch(/\x1b\[[0-9;]*31m/);
      await fleet.dispatch({ type: 'task.stop', id: 'colour-task' });
      expect(() => fleet.sessions!.resize('colour-task', 70, 12)).not.toThrow();
      off();
    });
  });
}

describe('retry attempts', () => {
  it('starts a pending retry attempt, creating its worktree and passing the enrichment as argv', async () => {
    const { fleet, repo } = await setup('pty', {
      ctx: { command: ['bash', '-c', 'printf "ctx=[%s]\\n" "$1"; sleep 300', 'agent', '{prompt}'], appendContext: ['{context}'] },
    });
    await addTask(fleet, 'retry-task', 'ctx');
    const worktree = join(repo.worktreeRoot, 'retry-task-a2');
    await fleet.registry.updateTask('retry-task', (t) => {
      t.attempts.push({
        n: 2, branch: 'flotilla/retry-task-a2', worktree, startPoint: 'main', state: 'pending', createdAt: new Date().toISOString(),
        startedAt: null, endedAt: null, session: null, failure: null, enrichment: { kinds: ['note'], text: 'Remember the tests' }, ciRounds: 0,
      });
    });
    await fleet.dispatch({ type: 'task.start', id: 'retry-task' });
    expect(existsSync(worktree)).toBe(true);
    const screen = await waitFor('context on screen', async () => {
      const s = await fleet.sessions!.capture('retry-task');
      return s.includes('Remember the tests') && s;
    });
    expect(screen).toContain('ctx=[## What the previous attempt was missing');
    const task = (await fleet.registry.read()).tasks[0]!;
    expect(task.attempts[0]!.state).toBe('running');
    expect(task.attempts[0]!.session?.pid).toBeGreaterThan(0);
    await fleet.dispatch({ type: 'task.stop', id: 'retry-task' });
  });
});

describe('adoption', () => {
  for (const runtime of ['pty', 'tmux'] as const) {
    it.skipIf(runtime === 'tmux' && !HAVE_TMUX)(`marks a recorded ${runtime} session whose process is gone as exited`, async () => {
      const { fleet, repo } = await setup(runtime, { echo: ECHO_AGENT });
      await addTask(fleet, 'lost-task', 'echo');
      await fleet.registry.updateTask('lost-task', (t) => {
        t.attempts.push({
          n: 1, branch: 'flotilla/lost-task-a1', worktree: join(repo.worktreeRoot, 'lost-task-a1-gone'), startPoint: 'main', state: 'running', createdAt: new Date().toISOString(),
          startedAt: null, endedAt: null, failure: null, enrichment: null, ciRounds: 0,
          session: { state: 'working', pid: 2 ** 22 + 12345, since: new Date().toISOString(), runtime, name: 'lost-task' },
        });
      });
      await fleet.sessions!.adopt();
      const session = (await fleet.registry.read()).tasks[0]!.attempts[0]!.session!;
      expect(session.state).toBe('exited');
      expect(session.message).toMatch(runtime === 'pty' ? /flotilla process .* ended/ : /session is gone/);
    });
  }
});

describe.skipIf(!HAVE_TMUX)('adoption of hook status', () => {
  it('applies hook events recorded while no flotilla followed the session', async () => {
    const { fleet, repo, socket } = await setup('tmux', {
      hooky: { command: [process.execPath, HOOK_AGENT, '{prompt}'], hooks: 'claude', quietMs: 60_000 },
    });
    await addTask(fleet, 'later', 'hooky');
    await fleet.dispatch({ type: 'task.start', id: 'later' });
    await waitFor('waiting', async () => (await sessionOf(fleet, 'later'))?.state === 'waiting');
    await fleet.close(); // the agent keeps running in tmux
    const other = await createFleet({ cwd: repo.root, sessions: { runtime: 'tmux', tmuxSocket: socket } });
    cleanups.push(() => other.close());
    await other.sessions!.send('later', 'yes');
    const events = join(repo.root, '.flotilla', 'hooks', 'later', 'events.jsonl');
    await waitFor('Stop recorded', () => readFileSync(events, 'utf8').includes('"Stop"'));
    expect((await sessionOf(other, 'later'))?.state).toBe('waiting');
    const third = await createFleet({ cwd: repo.root, sessions: { runtime: 'tmux', tmuxSocket: socket } });
    cleanups.push(() => third.close());
    await third.sessions!.adopt();
    expect(third.sessions!.status('later')).toBe('idle');
    await waitFor('idle recorded', async () => (await sessionOf(third, 'later'))?.state === 'idle');
  });
});

describe('bad profiles', () => {
  it('refuses an unknown placeholder with a config error naming the key', async () => {
    const { fleet } = await setup('pty', { odd: { command: ['echo', '{promt}'] } });
    await addTask(fleet, 'odd-task', 'odd');
    await expect(fleet.dispatch({ type: 'task.start', id: 'odd-task' })).rejects.toThrow(/profiles\.odd\.command.*\{promt\}/);
  });

  it('refuses to start a task whose worktree vanished', async () => {
    const { fleet } = await setup('pty', { echo: ECHO_AGENT });
    await addTask(fleet, 'gone-task', 'echo');
    await fleet.dispatch({ type: 'task.start', id: 'gone-task' });
    await fleet.dispatch({ type: 'task.stop', id: 'gone-task' });
    const wt = (await fleet.registry.read()).tasks[0]!.attempts[0]!.worktree;
    execFileSync('rm', ['-rf', wt]);
    await expect(fleet.dispatch({ type: 'task.start', id: 'gone-task' })).rejects.toThrow(/worktree .* is gone \(flotilla retry gone-task starts a new attempt from its branch\)/);
  });
});
