import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { RunResult, Runner } from '../exec/runner.js';
import { processZombie } from '../exec/process-alive.js';
import { TmuxRuntime } from './tmux-runtime.js';

const ok = (stdout: string): RunResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false, failed: false, notFound: false });

/** A tmux that lists the given panes and records what it was asked. */
function fakeTmux(rows: () => string): { runner: Runner; calls: string[][] } {
  const calls: string[][] = [];
  const runner: Runner = {
    async run(_file, args) {
      const a = args.slice(2); // -L <socket>
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
