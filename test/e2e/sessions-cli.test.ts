import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet } from '../../src/engine/index.js';
import { findExecutable } from '../../src/engine/index.js';
import { BIN, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const HAVE_CLAUDE = Boolean(findExecutable('claude', { cwd: process.cwd() }));

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let repo: TempRepo | null = null;
let socket = '';
afterEach(() => {
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {
    // already gone
  }
  repo?.cleanup();
  repo = null;
});

function setup(profiles: Record<string, unknown>) {
  socket = `flt-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  repo = makeTempRepo({ runtime: 'tmux', profiles });
  const env = { FLOTILLA_TMUX_SOCKET: socket };
  return { repo, env, cli: (args: string[]) => runCli(repo!.root, args, env) };
}

describe.skipIf(!HAVE_TMUX)('agent sessions through the CLI (tmux runtime)', () => {
  it('start returns, the agent keeps running, and later processes capture, send, adopt and stop it', async () => {
    const { cli, repo } = setup({
      mine: { command: ['bash', '-c', 'echo "started $FLOTILLA_TASK"; sleep 300 & echo "child $!"; cat -n; wait'], quietMs: 500 },
    });
    expect((await cli(['add', 'Echo task', '--id', 'echo', '--agent', 'mine', '--prompt', 'go'])).code).toBe(0);
    const started = await cli(['start', 'echo']);
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/started echo \(attempt 1, pid \d+\)/);

    const screen = await waitFor('first screen', async () => {
      const r = await cli(['capture', 'echo']);
      return /child \d+/.test(r.stdout) && r.stdout;
    });
    expect(screen).toContain('started echo');
    const child = Number(/child (\d+)/.exec(screen)![1]);

    expect((await cli(['send', 'echo', 'hello', 'there'])).code).toBe(0);
    await waitFor('typed line', async () => /1\s+hello there/.test((await cli(['capture', 'echo'])).stdout));

    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; attempts: Array<{ session: { state: string; pid: number; since: string } }> }> };
    const session = status.tasks[0]!.attempts[0]!.session;
    expect(status.tasks[0]!.state).toBe('running');
    expect(session).toMatchObject({ pid: expect.any(Number), since: expect.any(String) });
    expect(alive(session.pid)).toBe(true);

    // A fresh flotilla process adopts the running session and keeps its status up to date.
    const fleet = await createFleet({ cwd: repo.root, sessions: { tmuxSocket: socket } });
    try {
      await fleet.sessions!.adopt();
      expect(await fleet.sessions!.isAlive('echo')).toBe(true);
      await fleet.dispatch({ type: 'task.send', id: 'echo', text: 'from the adopter' });
      await waitFor('idle after quiet', async () => {
        const t = (await fleet.registry.read()).tasks[0]!;
        return t.attempts[0]!.session?.state === 'idle';
      });
      expect(await fleet.sessions!.capture('echo')).toMatch(/2\s+from the adopter/);
    } finally {
      await fleet.close();
    }
    // Closing the adopter left the agent running.
    expect(alive(session.pid)).toBe(true);

    const attach = await cli(['attach', 'echo']);
    expect(attach.code).toBe(2);
    expect(attach.stderr).toMatch(/needs a terminal/);

    const stopped = await cli(['stop', 'echo']);
    expect(stopped.code).toBe(0);
    await waitFor('processes gone', async () => !alive(session.pid) && !alive(child));
    const after = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; attempts: Array<{ session: { state: string } }> }> };
    expect(after.tasks[0]!.state).toBe('stopped');
    expect(after.tasks[0]!.attempts[0]!.session.state).toBe('exited');
    expect((await cli(['capture', 'echo'])).code).toBe(2);
  });

  it('fails start with exit 1 naming a missing agent command', async () => {
    const { cli } = setup({ ghost: { command: ['no-such-agent-cmd', '{prompt}'] } });
    await cli(['add', 'Ghost', '--id', 'ghost', '--agent', 'ghost', '--prompt', 'go']);
    const r = await cli(['start', 'ghost']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('command not found: no-such-agent-cmd');
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ attempts: Array<{ session: { state: string } }> }> };
    expect(status.tasks[0]!.attempts[0]!.session.state).toBe('exited');
  });

  it('capture of an exited agent still shows its first line, and the exit status', async () => {
    const { cli } = setup({ brief: { command: ['bash', '-c', 'echo "first line"; echo "last line"; exit 3'] } });
    await cli(['add', 'Brief', '--id', 'brief', '--agent', 'brief', '--prompt', 'go']);
    expect((await cli(['start', 'brief'])).code).toBe(0);
    await waitFor('the exit', async () => {
      const s = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ attempts: Array<{ session: { state: string } }> }> };
      return s.tasks[0]!.attempts[0]!.session.state === 'exited';
    });
    const lines = (await cli(['capture', 'brief'])).stdout.split('\n');
    expect(lines[0]).toBe('first line');
    expect(lines[1]).toBe('last line');
    expect(lines.some((l) => /Pane is dead \(status 3/.test(l))).toBe(true);
  });

  it('refuses bad input with exit 2', async () => {
    const { cli } = setup({});
    expect((await cli(['start'])).code).toBe(2);
    expect((await cli(['start', 'nope'])).code).toBe(2);
    expect((await cli(['send', 'nope'])).code).toBe(2);
    expect((await cli(['capture', 'Bad_Id'])).code).toBe(2);
    for (const c of ['start', 'stop', 'attach', 'send', 'capture']) {
      const help = await cli([c, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: flotilla ${c}`);
    }
  });

  it.skipIf(!HAVE_CLAUDE)("shows Claude Code's first screen in capture", async () => {
    const { cli } = setup({});
    await cli(['add', 'Say hi', '--id', 'hi', '--agent', 'claude', '--prompt', 'Say hello and nothing else.']);
    expect((await cli(['start', 'hi'])).code).toBe(0);
    const screen = await waitFor('claude screen', async () => {
      const r = await cli(['capture', 'hi']);
      return r.stdout.trim().length > 0 && /claude|trust|welcome|>/i.test(r.stdout) && r.stdout;
    }, 60_000);
    expect(screen.length).toBeGreaterThan(0);
    expect((await cli(['stop', 'hi'])).code).toBe(0);
  });
});

/**
 * A pty-runtime repository whose task `id` runs `script` (bash) inside a `flotilla start` child
 * process that holds it; resolves once the agent printed "child <pid>" into its log.
 */
async function heldByStart(id: string, script: string) {
  repo = makeTempRepo({ runtime: 'pty', profiles: { mine: { command: ['bash', '-c', script] } } });
  const root = repo.root;
  await runCli(root, ['add', `Task ${id}`, '--id', id, '--agent', 'mine', '--prompt', 'go']);
  const holder = spawn(process.execPath, [BIN, 'start', id], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  holder.stdout.on('data', (d) => (out += d));
  const holderExit = new Promise<number | null>((r) => holder.on('close', r));
  const agentChild = waitFor('the agent child', async () => /child (\d+)/.exec(readFileSync(join(root, '.flotilla', 'logs', id, '1.log'), 'utf8'))?.[1]).then(Number);
  return { root, holder, output: () => out, holderExit, agentChild };
}

describe('agent sessions through the CLI (pty runtime)', () => {
  it('start keeps the agent in the foreground until it exits', async () => {
    repo = makeTempRepo({ runtime: 'pty', profiles: { brief: { command: ['bash', '-c', 'echo "hi from $FLOTILLA_TASK"; sleep 0.3; exit 4'] } } });
    await runCli(repo.root, ['add', 'Brief', '--id', 'brief', '--agent', 'brief', '--prompt', 'go']);
    const r = await runCli(repo.root, ['start', 'brief']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('brief: the agent exited (code 4)');
    const status = JSON.parse((await runCli(repo.root, ['status', '--json'])).stdout) as { tasks: Array<{ attempts: Array<{ session: { state: string; exitCode: number } }> }> };
    expect(status.tasks[0]!.attempts[0]!.session).toMatchObject({ state: 'exited', exitCode: 4 });
    const log = readFileSync(join(repo.root, '.flotilla', 'logs', 'brief', '1.log'), 'utf8');
    expect(log).toContain('hi from brief');
  });

  it('a session held by another `flotilla start` counts as running: a second start is refused, stop ends its whole group', async () => {
    const { root, holder, output, holderExit, agentChild } = await heldByStart('held', 'sleep 300 & echo "child $!"; cat');
    try {
      const child = await agentChild;
      const status = () => runCli(root, ['status', '--json']).then((r) => JSON.parse(r.stdout) as { tasks: Array<{ state: string; attempts: Array<{ session: { state: string; pid: number; message?: string } }> }> });
      const agent = (await status()).tasks[0]!.attempts[0]!.session.pid;

      const again = await runCli(root, ['start', 'held']);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/task held is already running/);

      const stopped = await runCli(root, ['stop', 'held']);
      expect(stopped.code).toBe(0);
      expect(alive(agent)).toBe(false);
      expect(alive(child)).toBe(false);
      expect(await holderExit).toBe(0);
      expect(output()).toContain('held: the agent exited');
      const after = (await status()).tasks[0]!;
      expect(after.state).toBe('stopped');
      expect(after.attempts[0]!.session.state).toBe('exited');
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it.each(['SIGTERM', 'SIGHUP'] as const)('%s to `flotilla start` stops the agent with its whole group and records it', async (sig) => {
    const { root, holder, output, holderExit, agentChild } = await heldByStart('sig', 'nohup sleep 300 >/dev/null 2>&1 & echo "child $!"; cat');
    try {
      const child = await agentChild;
      await waitFor('the start message', async () => output().includes('in this process'));
      holder.kill(sig);
      expect(await holderExit).toBe(0);
      expect(alive(child)).toBe(false);
      const status = JSON.parse((await runCli(root, ['status', '--json'])).stdout) as { tasks: Array<{ state: string; attempts: Array<{ session: { state: string; message?: string } }> }> };
      expect(status.tasks[0]!.state).toBe('stopped');
      expect(status.tasks[0]!.attempts[0]!.session).toMatchObject({ state: 'exited', message: 'stopped' });
    } finally {
      holder.kill('SIGKILL');
    }
  });

  it('SIGHUP to `flotilla retry` holding the new attempt stops that agent with its group and records it', async () => {
    const { root, holder, output, holderExit, agentChild } = await heldByStart('again', 'nohup sleep 300 >/dev/null 2>&1 & echo "child $!"; cat');
    try {
      await agentChild;
      await waitFor('the start message', async () => output().includes('in this process'));
      holder.kill('SIGTERM');
      expect(await holderExit).toBe(0);
    } finally {
      holder.kill('SIGKILL');
    }
    const retry = spawn(process.execPath, [BIN, 'retry', 'again'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    retry.stdout.on('data', (d) => (out += d));
    const retryExit = new Promise<number | null>((r) => retry.on('close', r));
    try {
      const child = await waitFor('the new attempt\'s child', async () => /child (\d+)/.exec(readFileSync(join(root, '.flotilla', 'logs', 'again', '2.log'), 'utf8'))?.[1]).then(Number);
      await waitFor('the wait message', async () => out.includes('the agent runs in this process'));
      retry.kill('SIGHUP');
      expect(await retryExit).toBe(0);
      expect(alive(child)).toBe(false);
      expect(out).toContain('again: the agent exited');
      const status = JSON.parse((await runCli(root, ['status', '--json'])).stdout) as { tasks: Array<{ state: string; attempts: Array<{ session: { state: string; message?: string } }> }> };
      expect(status.tasks[0]!.state).toBe('stopped');
      expect(status.tasks[0]!.attempts[1]!.session).toMatchObject({ state: 'exited', message: 'stopped' });
    } finally {
      retry.kill('SIGKILL');
    }
  });

  it('status records a session whose `flotilla start` was killed outright as exited', async () => {
    repo = makeTempRepo({ runtime: 'pty', profiles: { mine: { command: ['bash', '-c', 'echo up; cat'] } } });
    const root = repo.root;
    await runCli(root, ['add', 'Orphaned', '--id', 'gone', '--agent', 'mine', '--prompt', 'go']);
    const holder = spawn(process.execPath, [BIN, 'start', 'gone'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const holderExit = new Promise<number | null>((r) => holder.on('close', r));
    type Status = { tasks: Array<{ attempts: Array<{ session: { state: string; pid: number; message?: string } }> }> };
    const status = () => runCli(root, ['status', '--json']).then((r) => JSON.parse(r.stdout) as Status);
    const agent = await waitFor('the agent running', async () => (await status()).tasks[0]!.attempts[0]?.session?.pid);
    holder.kill('SIGKILL');
    await holderExit;
    await waitFor('the agent gone', async () => !alive(agent));
    expect((await status()).tasks[0]!.attempts[0]!.session).toMatchObject({ state: 'exited', message: 'the flotilla process holding this session ended' });
  });

  it('start refuses a worktree that was deleted, in one line whose advice (retry) works and keeps the commits', async () => {
    repo = makeTempRepo({ runtime: 'pty', profiles: { mine: { command: ['bash', '-c', 'if [ -f work.txt ]; then echo "again: $(cat work.txt)"; else echo one > work.txt; git add work.txt; git commit -qm work; fi'] } } });
    const root = repo.root;
    await runCli(root, ['add', 'Vanishing', '--id', 'vanish', '--agent', 'mine', '--prompt', 'go']);
    expect((await runCli(root, ['start', 'vanish'])).code).toBe(0);
    type Status = { tasks: Array<{ attempts: Array<{ worktree: string }> }> };
    const status = async () => JSON.parse((await runCli(root, ['status', '--json'])).stdout) as Status;
    rmSync((await status()).tasks[0]!.attempts[0]!.worktree, { recursive: true, force: true });

    const refused = await runCli(root, ['start', 'vanish']);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/worktree .*vanish-a1 is gone \(flotilla retry vanish starts/);

    expect((await runCli(root, ['retry', 'vanish'])).code).toBe(0);
    const second = (await status()).tasks[0]!.attempts[1]!.worktree;
    expect(readFileSync(join(second, 'work.txt'), 'utf8')).toBe('one\n');
  });
});
