/**
 * Orphans after SIGKILL of the processes that run the loop: `flotilla watch` and the fleet view
 * (`flotilla` in a terminal), on both runtimes. Each starts a queued task whose agent puts a child
 * out of its process group (`setsid`), then is killed outright. Counted: processes carrying the
 * task's FLOTILLA_TASK in their environment.
 * - pty runtime: the agent lives in the killed process's pty; its watchdog ends the agent's group
 *   and sweeps the setsid child: 0 left.
 * - tmux runtime: the agent lives in flotilla's tmux server and is meant to outlive any flotilla
 *   process (adopted by the next one); `flotilla stop` then leaves 0.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMarked } from '../../src/engine/index.js';
import { HAVE_TMUX, waitFor } from '../../src/test-support/tmux-repo.js';
import { BIN, hostileRepo, runFlotilla, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanups.splice(0)) f();
  repo?.cleanup();
  repo = undefined;
});

const DAEMONISING_AGENT = ['sh', '-c', 'setsid sleep 300 & sleep 300 & wait'];
const count = () => findMarked({ env: { FLOTILLA_TASK: 'v1' } }).length;

function killMarkedAtEnd(): void {
  cleanups.push(() => {
    for (const pid of findMarked({ env: { FLOTILLA_TASK: 'v1' } })) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

function privateSocket(prefix: string): string {
  const socket = `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  cleanups.push(() => spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }));
  return socket;
}

/**
 * Task v1 left queued for the loop: with one agent slot (limits.maxAgents 1) taken by v0, `start
 * v1` leaves it queued; v0 is then stopped, so the next loop (watch, the view) starts v1 at its
 * first pass.
 */
async function queuedTask(runtime: 'pty' | 'tmux', env: Record<string, string>): Promise<string> {
  repo = hostileRepo({
    runtime,
    monitor: { intervalSec: 1 },
    limits: { maxAgents: 1 },
    profiles: { q: { command: ['sleep', '300'] }, d: { command: DAEMONISING_AGENT } },
    defaultAgent: 'd',
  });
  const root = repo.root;
  killMarkedAtEnd();
  expect((await runFlotilla(root, ['add', 'x', '--prompt', 'x', '--id', 'v0', '--agent', 'q'], { env })).code).toBe(0);
  expect((await runFlotilla(root, ['add', 'x', '--prompt', 'x', '--id', 'v1'], { env })).code).toBe(0);
  if (runtime === 'pty') {
    const holder = spawn(process.execPath, [BIN, 'start', 'v0'], { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } });
    cleanups.push(() => holder.kill('SIGKILL'));
  } else expect((await runFlotilla(root, ['start', 'v0'], { env })).code).toBe(0);
  await waitFor('v0 running', async () => findMarked({ env: { FLOTILLA_TASK: 'v0' } }).length > 0, 30_000, 100);
  const r = await runFlotilla(root, ['start', 'v1'], { env });
  expect([r.code, r.stdout]).toEqual([0, expect.stringMatching(/^v1 queued, waiting: 1\/1 agent slots busy/)]);
  expect((await runFlotilla(root, ['stop', 'v0'], { env })).code).toBe(0);
  return root;
}

function startWatch(root: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'watch'], { cwd: root, stdio: 'ignore', env: { ...process.env, FORCE_COLOR: '0', ...env } });
  cleanups.push(() => child.kill('SIGKILL'));
  return child;
}

/** The fleet view in a terminal (a tmux pane on a socket of the test's own); returns its pid once it runs flotilla. */
async function startView(root: string, env: Record<string, string>): Promise<number> {
  const socket = privateSocket('flt-view');
  const envArgs = Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  spawnSync('tmux', ['-L', socket, 'new-session', '-d', '-x', '160', '-y', '45', '-c', root, ...envArgs, '--', process.execPath, BIN], { stdio: 'ignore' });
  const pid = Number(spawnSync('tmux', ['-L', socket, 'display-message', '-p', '-t', '0', '#{pane_pid}'], { encoding: 'utf8' }).stdout.trim());
  // The pane's process is forked by the tmux server and then execs node: until then its cmdline is another's, or empty.
  const cmdline = () => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      return '';
    }
  };
  await waitFor('the view running flotilla in its pane', async () => cmdline().includes(BIN), 5000, 20).catch(() => undefined);
  expect(cmdline()).toContain(BIN);
  return pid;
}

const gone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};

/** Starts the holder, waits for the agent and its setsid child, kills the holder outright, counts after. */
async function killHolder(holder: 'watch' | 'view', runtime: 'pty' | 'tmux'): Promise<{ before: number; after: number; root: string; env: Record<string, string> }> {
  const env: Record<string, string> = runtime === 'tmux' ? { FLOTILLA_TMUX_SOCKET: privateSocket('flt-agents') } : {};
  const root = await queuedTask(runtime, env);
  const pid = holder === 'watch' ? startWatch(root, env).pid! : await startView(root, env);
  const before = await waitFor('the agent and its setsid child', async () => (count() >= 3 ? count() : null), 30_000, 100);
  process.kill(pid, 'SIGKILL');
  await waitFor('the holder gone', async () => gone(pid), 5000, 50);
  // The watchdog acts when its pipe closes; give it time to sweep (SIGTERM, then SIGKILL after 0.5 s).
  const after = runtime === 'pty' ? await waitFor('no process of the task', async () => (count() === 0 ? 'none' : null), 20_000, 100).then(() => 0).catch(() => count()) : (await new Promise((r) => setTimeout(r, 1500)), count());
  return { before, after, root, env };
}

describe.runIf(process.platform === 'linux')('orphans after SIGKILL of watch and of the view', () => {
  it('watch, pty runtime: its agent and the setsid child end with it (0 left)', async () => {
    expect(await killHolder('watch', 'pty')).toMatchObject({ before: 3, after: 0 });
  }, 90_000);

  it.runIf(HAVE_TMUX)('the view, pty runtime: 0 left', async () => {
    expect(await killHolder('view', 'pty')).toMatchObject({ before: 3, after: 0 });
  }, 90_000);

  it.runIf(HAVE_TMUX)('the view, tmux runtime: the agent runs on in tmux by design (3 processes, adopted by the next flotilla), and stop then leaves 0', async () => {
    // watch holds tmux agents no more than the view does (the same loop); one case covers both.
    const { before, after, root, env } = await killHolder('view', 'tmux');
    expect([before, after]).toEqual([3, 3]);
    const stop = await runFlotilla(root, ['stop', 'v1'], { env });
    expect([stop.code, count()]).toEqual([0, 0]);
  }, 90_000);
});

