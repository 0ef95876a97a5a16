import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/sessions/which.js';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
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

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe.skipIf(!HAVE_TMUX)('agent slots across processes (tmux runtime)', () => {
  it('an agent started by a CLI process that has exited still holds its slot; the next start waits with the reason, and goes once it stops', async () => {
    socket = `flt-slots-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    repo = makeTempRepo({
      runtime: 'tmux',
      limits: { maxAgents: 1, staggerMs: 0 },
      profiles: { sleeper: { command: ['bash', '-c', 'echo up; sleep 300'] } },
      defaultAgent: 'sleeper',
    });
    const env = { FLOTILLA_TMUX_SOCKET: socket };
    const cli = (args: string[]) => runCli(repo!.root, args, env);
    expect((await cli(['add', 'One', '--prompt', 'p'])).code).toBe(0);
    expect((await cli(['add', 'Two', '--prompt', 'p'])).code).toBe(0);
    expect((await cli(['start', 'one'])).code).toBe(0);

    const second = cli(['start', 'two']);
    const waiting = await waitFor('the second start waiting for a slot', async () => {
      const s = JSON.parse((await cli(['status', '--json'])).stdout) as { resources: { running: Array<{ taskId?: string }>; waiting: Array<{ taskId?: string; reason?: string }> } };
      return s.resources.waiting.find((w) => w.taskId === 'two') && s;
    });
    expect(waiting.resources.running.map((r) => r.taskId)).toEqual(['one']);
    expect(waiting.resources.waiting.find((w) => w.taskId === 'two')!.reason).toMatch(/1\/1 agent slots? busy/);

    expect((await cli(['stop', 'one'])).code).toBe(0);
    const started = await second;
    expect(started.stderr).toBe('');
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/started two/);
  }, 90_000);
});
