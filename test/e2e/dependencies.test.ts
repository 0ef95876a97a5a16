import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/sessions/which.js';
import { git, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

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
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe.skipIf(!HAVE_TMUX)('dependent tasks', () => {
  it('a dependent task stays blocked, then starts from its dependency branch once that is ready', async () => {
    socket = `flt-deps-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const work = 'echo "work of $FLOTILLA_TASK" > "$FLOTILLA_TASK.txt" && git add -A && git commit -qm "work $FLOTILLA_TASK" && echo done && sleep 300';
    repo = makeTempRepo({
      runtime: 'tmux',
      gates: ['pr', 'rebased', 'ci'],
      profiles: { worker: { command: ['bash', '-c', work], quietMs: 500 } },
      defaultAgent: 'worker',
    });
    const env = { FLOTILLA_TMUX_SOCKET: socket };
    const cli = (args: string[]) => runCli(repo!.root, args, env);
    const task = async (id: string) =>
      (JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<Record<string, any>> }).tasks.find((t) => t.id === id)!;

    expect((await cli(['add', 'API', '--prompt', 'build the api'])).code).toBe(0);
    expect((await cli(['add', 'Client', '--prompt', 'use the api', '--after', 'api'])).code).toBe(0);
    expect((await task('client')).state).toBe('blocked');

    const early = await cli(['start', 'client']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('blocked: waiting for api');

    expect((await cli(['start', 'api'])).code).toBe(0);
    await waitFor('api ready', async () => {
      await cli(['check']);
      return (await task('api')).state === 'ready';
    });
    // The pass that saw api ready (or the next one) starts client from api's branch.
    const client = await waitFor('client started', async () => {
      await cli(['check']);
      const t = await task('client');
      return t.attempts.length > 0 && t;
    });
    expect(client.attempts[0].startPoint).toBe('flotilla/api-a1');
    await waitFor('client committed', async () => (await task('client')).attempts[0].session?.state === 'idle');
    const log = git(client.attempts[0].worktree, 'log', '--format=%s');
    expect(log.split('\n')).toEqual(expect.arrayContaining(['work api', 'work client']));
  }, 90_000);
});
