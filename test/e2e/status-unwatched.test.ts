import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/index.js';
import { BIN, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));

interface StatusJson {
  tasks: Array<{ id: string; attempts: Array<{ session: { state: string; exitCode?: number | null } | null }>; live?: { watched: boolean; outputAgeSec: number | null } }>;
}

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const v = await probe().catch((err: unknown) => ((last = err), null));
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
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

describe.skipIf(!HAVE_TMUX)('status without a watcher (tmux runtime)', () => {
  it('works out each session state on demand, says nobody watches, and stays current after a watch quits', async () => {
    socket = `flt-e2e-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    repo = makeTempRepo({
      runtime: 'tmux',
      limits: { staggerMs: 0 },
      profiles: {
        // Prints a line every 0.3 s until the test creates its stop file, then sits quiet.
        ticker: {
          command: ['sh', '-c', 'while [ ! -e "$FLOTILLA_REPO/.flotilla/stop-$FLOTILLA_TASK" ]; do echo tick; sleep 0.3; done; echo quiet now; exec sleep 300'],
          quietMs: 1000,
        },
        quits: { command: ['sh', '-c', 'echo bye; exit 0'] },
      },
    });
    const root = repo.root;
    const env = { FLOTILLA_TMUX_SOCKET: socket };
    const cli = (args: string[]) => runCli(root, args, env);
    const status = async () => JSON.parse((await cli(['status', '--json'])).stdout) as StatusJson;
    const task = (s: StatusJson, id: string) => s.tasks.find((t) => t.id === id)!;
    const sessionOf = (s: StatusJson, id: string) => task(s, id).attempts.at(-1)!.session!;

    expect((await cli(['add', 'Ticks', '--id', 'ticks', '--agent', 'ticker', '--prompt', 'go'])).code).toBe(0);
    expect((await cli(['add', 'Quits', '--id', 'quits', '--agent', 'quits', '--prompt', 'go'])).code).toBe(0);
    expect((await cli(['start', 'ticks'])).code).toBe(0);
    expect((await cli(['start', 'quits'])).code).toBe(0);

    // `start` recorded `starting` and left; nobody follows the agents. status works them out.
    const first = await waitFor('the exit of the quitting agent', async () => {
      const s = await status();
      return sessionOf(s, 'quits').state === 'exited' && s;
    });
    expect(sessionOf(first, 'quits')).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(sessionOf(first, 'ticks').state).toBe('working');
    expect(task(first, 'ticks').live).toMatchObject({ watched: false });
    expect(task(first, 'ticks').live!.outputAgeSec).toBeLessThanOrEqual(2);
    expect(task(first, 'quits').live).toBeUndefined();
    const table = (await cli(['status'])).stdout;
    expect(table).toMatch(/ticks\s+running\/working \(unwatched, output \ds ago\)/);
    expect(table).toMatch(/quits\s+\S+\/exited\s/);

    // A watch follows the agents while it runs, and status says so.
    const watch = spawn(process.execPath, [BIN, 'watch'], { cwd: root, env: { ...process.env, ...env }, stdio: 'ignore' });
    try {
      await waitFor('status to see the watch', async () => task(await status(), 'ticks').live?.watched === true);
      expect((await cli(['status'])).stdout).toMatch(/ticks\s+running\/working\s/);
    } finally {
      const ended = new Promise((r) => watch.once('exit', r));
      watch.kill('SIGINT');
      await ended;
    }
    // The watch has left `working` behind; the agent goes quiet after it quit.
    expect(task(await status(), 'ticks').live?.watched).toBe(false);
    writeFileSync(join(root, '.flotilla', 'stop-ticks'), '');
    const quiet = await waitFor('the ticker to count as idle', async () => {
      const s = await status();
      return sessionOf(s, 'ticks').state === 'idle' && s;
    });
    expect(task(quiet, 'ticks').live).toMatchObject({ watched: false });
    expect((await cli(['status'])).stdout).toMatch(/ticks\s+running\/idle \(unwatched, output \ds ago\)/);
  }, 90_000);
});
