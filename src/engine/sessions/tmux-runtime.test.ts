import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RunResult, Runner } from '../exec/index.js';
import { createRunner, processZombie } from '../exec/index.js';
import { FULL_POLL_MS, TmuxRuntime } from './tmux-runtime.js';

const ok = (stdout: string): RunResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false, failed: false, notFound: false });

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe('TmuxRuntime.follow', () => {
  it('nudges the server about a dead pane without an exit status and reports the exit at once', async () => {
    // Stands in for the tmux server (SIGCHLD is what makes tmux reap the agent; sleep ignores it).
    const server = spawn('sleep', ['30']);
    cleanups.push(() => server.kill());
    let chld = false;
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-tmux-rt-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const calls: string[][] = [];
    const runner: Runner = {
      async run(_file, args) {
        const a = args.slice(3); // after -u -L <socket>
        calls.push(a);
        if (a[0] === 'display-message') {
          chld = true;
          return ok(`${server.pid}\n`);
        }
        if (a[0] === 'list-panes') return ok(`agent\t4242\t1\t${chld ? '3' : ''}\n`);
        return ok('');
      },
    };
    const rt = new TmuxRuntime(runner, { repoRoot: dir, stateDir: dir, socket: 'fake' });
    cleanups.push(() => void rt.close());
    const session = await rt.follow('agent', { logFile: join(dir, '1.log') });
    expect(session).not.toBeNull();
    let code: number | null | undefined;
    session!.onExit((c) => (code = c));
    expect(code).toBe(3);
    expect(calls.some((a) => a[0] === 'display-message')).toBe(true);
  });
});

/** A tmux that lists the given panes and records what it was asked. */
function fakeTmux(rows: () => string): { runner: Runner; calls: string[][] } {
  const calls: string[][] = [];
  const runner: Runner = {
    async run(_file, args) {
      const a = args.slice(3); // -u -L <socket>
      calls.push(a);
      if (a[0] === 'list-panes') return ok(rows());
      if (a[0] === 'display-message') return { ...ok(''), exitCode: 1 }; // no server pid to nudge
      return ok('');
    },
  };
  return { runner, calls };
}

describe('TmuxRuntime pane list', () => {
  it.runIf(process.platform === 'linux')('counts a pane whose process is an unreaped zombie as dead, after nudging the server', async () => {
    const parent = spawn('sh', ['-c', 'sleep 0.05 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const zombie = await new Promise<number>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
      const end = Date.now() + 5000;
      while (!processZombie(zombie) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      const { runner, calls } = fakeTmux(() => `flotilla-gone\t${zombie}\t0\t\nflotilla-live\t${process.pid}\t0\t\n`);
      const rt = new TmuxRuntime(runner, { repoRoot: '/nonexistent/repo', stateDir: '/nonexistent/repo/.flotilla' });
      const rows = await rt.panes();
      expect(rows.find((r) => r.name === 'flotilla-gone')).toMatchObject({ dead: true, exitCode: null });
      expect(rows.find((r) => r.name === 'flotilla-live')).toMatchObject({ dead: false });
      expect(calls.map((c) => c[0])).toEqual(['list-panes', 'display-message', 'list-panes']);
    } finally {
      parent.kill('SIGKILL');
    }
  });

  it('asks tmux once when every pane process runs', async () => {
    const { runner, calls } = fakeTmux(() => `flotilla-live\t${process.pid}\t0\t\n`);
    const rt = new TmuxRuntime(runner, { repoRoot: '/nonexistent/repo', stateDir: '/nonexistent/repo/.flotilla' });
    expect(await rt.panes()).toMatchObject([{ name: 'flotilla-live', dead: false }]);
    expect(calls.map((c) => c[0])).toEqual(['list-panes']);
  });
});

describe('TmuxRuntime exit poller', () => {
  it.runIf(process.platform === 'linux')('asks tmux only every FULL_POLL_MS while the pane processes run, and at once when one is gone', async () => {
    // Stands in for the agent: the pane's process (its pid in the pane list).
    const agent = spawn('sleep', ['30']);
    cleanups.push(() => agent.kill('SIGKILL'));
    const agentGone = new Promise<void>((r) => agent.once('exit', () => r()));
    let dead = false;
    const { runner, calls } = fakeTmux(() => `agent\t${agent.pid}\t${dead ? '1\t7' : '0\t'}\n`);
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    cleanups.push(() => vi.useRealTimers());
    const rt = new TmuxRuntime(runner, { repoRoot: '/nonexistent/repo', stateDir: '/nonexistent/repo/.flotilla', socket: 'fake' });
    cleanups.push(() => void rt.close());
    const session = await rt.follow('agent', { logFile: '/nonexistent/repo/1.log' });
    let code: number | null | undefined;
    session!.onExit((c) => (code = c));
    const lists = () => calls.filter((a) => a[0] === 'list-panes').length;
    await vi.advanceTimersByTimeAsync(1000); // the first poll asks tmux
    const first = lists();
    await vi.advanceTimersByTimeAsync(FULL_POLL_MS - 1000); // polls each second; every pane process runs
    expect(lists()).toBe(first);
    await vi.advanceTimersByTimeAsync(1000); // FULL_POLL_MS since the last list: tmux again
    expect(lists()).toBe(first + 1);
    expect(code).toBeUndefined();
    // The agent ends: the next poll (a second later, not FULL_POLL_MS) asks tmux and reports the exit.
    dead = true;
    agent.kill('SIGKILL');
    await agentGone;
    await vi.advanceTimersByTimeAsync(1000);
    expect(lists()).toBe(first + 2);
    expect(code).toBe(7);
  });
});

describe('TmuxRuntime without a UTF-8 locale (cron, a bare ssh)', () => {
  it('still reads its pane rows (tmux would print the format tabs as "_")', async () => {
    const socket = `flotilla-locale-${process.pid}`;
    const saved = { LANG: process.env.LANG, LC_ALL: process.env.LC_ALL, LC_CTYPE: process.env.LC_CTYPE };
    delete process.env.LANG;
    delete process.env.LC_CTYPE;
    process.env.LC_ALL = 'C';
    const rt = new TmuxRuntime(createRunner(), { repoRoot: '/nonexistent/repo', stateDir: '/nonexistent/repo/.flotilla', socket });
    try {
      const started = await rt.tmux(['new-session', '-d', '-s', 'flotilla-cron', 'sleep 30']);
      expect(started.exitCode).toBe(0);
      const rows = await rt.panes();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ name: 'flotilla-cron', dead: false });
      expect(rows[0]!.pid).toBeGreaterThan(0);
    } finally {
      await rt.tmux(['kill-server']);
      void rt.close();
      for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
  });
});
