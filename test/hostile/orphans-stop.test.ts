/**
 * Orphans after each kind of stop, counted with real processes: an agent (and a check) that puts a
 * child out of its process group with `setsid`, then `stop`, `rm`, SIGKILL and Ctrl-C of the
 * process holding a pty agent, SIGKILL of `check`. After each, no process carrying the task's (or
 * the check's) marker may be left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findMarked } from '../../src/engine/index.js';
import { HAVE_TMUX, waitFor } from '../../src/test-support/tmux-repo.js';
import { BIN, crashed, hostileRepo, runFlotilla, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
const extra: Array<() => void> = [];
afterEach(() => {
  for (const f of extra.splice(0)) f();
  repo?.cleanup();
  repo = undefined;
});

/** An agent whose child leaves its process group: `kill(-pgid)` alone leaves it running. */
const DAEMONISING_AGENT = ['sh', '-c', 'setsid sleep 300 & sleep 300 & wait'];

const marked = (env: Record<string, string>) => findMarked({ env });
const count = (taskId: string) => marked({ FLOTILLA_TASK: taskId }).length;

/** Sweeps a test's leftovers whatever happened (a failing case must not leak sleeps into the run). */
function cleanupMarked(env: Record<string, string>): void {
  extra.push(() => {
    for (const pid of marked(env)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
}

function tmuxEnv(): Record<string, string> {
  const socket = `flt-orph-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  extra.push(() => {
    spawn('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  });
  return { FLOTILLA_TMUX_SOCKET: socket };
}

/** `flotilla start <id>` with the pty runtime: it holds the agent until the agent exits. */
function startHolder(root: string, id: string): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'start', id], { cwd: root, stdio: 'ignore', env: { ...process.env, FORCE_COLOR: '0' } });
  extra.push(() => child.kill('SIGKILL'));
  return child;
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));

describe.runIf(process.platform === 'linux')('orphans after each kind of stop', () => {
  it.runIf(HAVE_TMUX)('stop (tmux runtime): the setsid child goes too (was: left running every time)', async () => {
    repo = hostileRepo({ runtime: 'tmux', profiles: { d: { command: DAEMONISING_AGENT } }, defaultAgent: 'd' });
    const env = tmuxEnv();
    cleanupMarked({ FLOTILLA_TASK: 'orph-stop' });
    expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'orph-stop'], { env })).code).toBe(0);
    expect((await runFlotilla(repo.root, ['start', 'orph-stop'], { env })).code).toBe(0);
    await waitFor('agent and its setsid child', async () => count('orph-stop') >= 3, 15_000);
    const r = await runFlotilla(repo.root, ['stop', 'orph-stop'], { env });
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(0);
    expect(count('orph-stop')).toBe(0);
  });

  it.runIf(HAVE_TMUX)('rm (tmux runtime): nothing of the task runs on', async () => {
    repo = hostileRepo({ runtime: 'tmux', profiles: { d: { command: DAEMONISING_AGENT } }, defaultAgent: 'd' });
    const env = tmuxEnv();
    cleanupMarked({ FLOTILLA_TASK: 'orph-rm' });
    expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'orph-rm'], { env })).code).toBe(0);
    expect((await runFlotilla(repo.root, ['start', 'orph-rm'], { env })).code).toBe(0);
    await waitFor('agent and its setsid child', async () => count('orph-rm') >= 3, 15_000);
    // A check of another repository's task with the same id: not this rm's to end (was: swept too).
    const foreign = spawn('sleep', ['60'], { env: { ...process.env, FLOTILLA_TASK: 'orph-rm', FLOTILLA_REPO: '/elsewhere/repo', FLOTILLA_CHECK: 'tok' }, stdio: 'ignore' });
    try {
      const r = await runFlotilla(repo.root, ['rm', 'orph-rm'], { env });
      expect([r.code, r.stdout.trim()]).toEqual([0, 'removed orph-rm']);
      expect(count('orph-rm')).toBe(1);
      expect(foreign.exitCode).toBeNull();
      expect(() => process.kill(foreign.pid!, 0)).not.toThrow();
    } finally {
      foreign.kill('SIGKILL');
    }
  });

  it('SIGKILL of the process holding a pty agent: the agent and its setsid child end (was: 12 processes left)', async () => {
    repo = hostileRepo({ runtime: 'pty', profiles: { d: { command: DAEMONISING_AGENT } }, defaultAgent: 'd' });
    cleanupMarked({ FLOTILLA_TASK: 'orph-kill' });
    expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'orph-kill'])).code).toBe(0);
    const holder = startHolder(repo.root, 'orph-kill');
    await waitFor('agent and its setsid child', async () => count('orph-kill') >= 3, 15_000);
    holder.kill('SIGKILL');
    await exited(holder);
    await waitFor('no process of the task', async () => count('orph-kill') === 0, 20_000, 100);
    expect(count('orph-kill')).toBe(0);
  });

  it('Ctrl-C (SIGINT) of the process holding a pty agent: nothing left', async () => {
    repo = hostileRepo({ runtime: 'pty', profiles: { d: { command: DAEMONISING_AGENT } }, defaultAgent: 'd' });
    cleanupMarked({ FLOTILLA_TASK: 'orph-int' });
    expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'orph-int'])).code).toBe(0);
    const holder = startHolder(repo.root, 'orph-int');
    await waitFor('agent and its setsid child', async () => count('orph-int') >= 3, 15_000);
    holder.kill('SIGINT');
    await exited(holder);
    await waitFor('no process of the task', async () => count('orph-int') === 0, 20_000, 100);
    expect(count('orph-int')).toBe(0);
  });

  /** A task whose agent commits and exits, and one local check that daemonises a child the first time. */
  async function taskWithCheck(id: string): Promise<{ starts: string }> {
    // The check counts its runs in ../../starts (beside the repository, outside the worktree).
    const check = 'echo run >> ../../starts; if [ "$(wc -l < ../../starts)" -eq 1 ]; then setsid sleep 300 & sleep 300; fi; exit 0';
    const agent = ['sh', '-c', 'echo done > done.txt && git add done.txt && git -c user.name=a -c user.email=a@b commit -qm done'];
    repo = hostileRepo({ runtime: 'pty', forge: 'local', profiles: { d: { command: agent } }, defaultAgent: 'd', checks: [{ name: 'slow', command: ['sh', '-c', check], timeoutSec: 600 }] });
    const starts = join(repo.dir, 'starts');
    cleanupMarked({ FLOTILLA_TASK: id });
    expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', id])).code).toBe(0);
    expect((await runFlotilla(repo.root, ['start', id])).code).toBe(0);
    return { starts };
  }

  function checkProcess(root: string): ChildProcess {
    const child = spawn(process.execPath, [BIN, 'check'], { cwd: root, stdio: 'ignore', env: { ...process.env, FORCE_COLOR: '0' } });
    extra.push(() => child.kill('SIGKILL'));
    return child;
  }

  it('SIGKILL of `check` while its check runs: the check and its setsid child end with it (was: ran on)', async () => {
    const { starts } = await taskWithCheck('orph-check');
    const runner = checkProcess(repo!.root);
    await waitFor('the check and its setsid child', async () => marked({ FLOTILLA_TASK: 'orph-check' }).length >= 3, 20_000);
    runner.kill('SIGKILL');
    await exited(runner);
    await waitFor('no process of the check', async () => count('orph-check') === 0, 20_000, 100);
    expect(readFileSync(starts, 'utf8')).toBe('run\n');
  });

  it('a check whose runner and watchdog both died is ended by the next pass, then run once (never two at once)', async () => {
    const { starts } = await taskWithCheck('orph-check2');
    const runner = checkProcess(repo!.root);
    await waitFor('the check and its setsid child', async () => marked({ FLOTILLA_TASK: 'orph-check2' }).length >= 3, 20_000);
    const claim = await waitFor('the running check recorded with the claim', async () => {
      const c = JSON.parse(readFileSync(join(repo!.root, '.flotilla', 'tasks.json'), 'utf8')).tasks[0].pr?.ciClaim;
      return c?.check ? c : null;
    }, 10_000, 100);
    expect(claim).toMatchObject({ pid: runner.pid, check: { token: expect.any(String) } });
    // The runner's watchdog is its child running watchdog-main.js: kill both at once.
    const children = readFileSync(`/proc/${runner.pid}/task/${runner.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    for (const pid of children) {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('watchdog-main.js')) process.kill(pid, 'SIGKILL');
    }
    runner.kill('SIGKILL');
    await exited(runner);
    await new Promise((r) => setTimeout(r, 300));
    const orphans = marked({ FLOTILLA_CHECK: claim.check.token });
    expect(orphans.length).toBeGreaterThanOrEqual(2); // the check runs on without its runner
    const next = await runFlotilla(repo!.root, ['check']);
    expect(crashed(next)).toBe(false);
    expect(marked({ FLOTILLA_CHECK: claim.check.token })).toEqual([]);
    expect(readFileSync(starts, 'utf8')).toBe('run\nrun\n');
    expect(count('orph-check2')).toBe(0);
  });
});
