import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
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

async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe.skipIf(!HAVE_TMUX)('flotilla orchestrator', () => {
  it('starts a coordinator in the main checkout with CLI instructions; the monitor leaves it alone; rm keeps the checkout', async () => {
    socket = `flt-orch-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    // A stand-in coordinator: prints where it runs and the first lines of its instructions, then waits.
    const script = 'const fs=require("fs");console.log("cwd "+process.cwd());console.log(fs.readFileSync(process.argv[1],"utf8").split("\\n").slice(0,40).join("\\n"));setInterval(()=>{},1000)';
    repo = makeTempRepo({ runtime: 'tmux', profiles: { coord: { command: [process.execPath, '-e', script, '{promptFile}'], quietMs: 500 } } });
    await runCli(repo.root, ['init']);
    const env = { FLOTILLA_TMUX_SOCKET: socket };
    const cli = (args: string[]) => runCli(repo!.root, args, env);

    const r = await cli(['orchestrator', '--agent', 'coord']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const screen = await waitFor('instructions on screen', async () => {
      const s = (await cli(['capture', 'orchestrator'])).stdout;
      return s.includes('status --json') && s;
    });
    expect(screen).toContain(`cwd ${repo.root}`);
    expect(screen).toContain('MEMORY.md');
    expect(screen).toMatch(/flotilla add/);

    const again = await cli(['orchestrator', '--agent', 'coord']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already running');

    // A worker next to it; a monitoring pass does not treat the orchestrator as a task with a PR.
    expect((await cli(['add', 'Work', '--prompt', 'do it'])).code).toBe(0);
    await cli(['check', '--json']);
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<Record<string, any>> };
    const orch = status.tasks.find((t) => t.id === 'orchestrator')!;
    expect(orch.kind).toBe('orchestrator');
    expect(orch.attempts[0].worktree).toBe(repo.root);
    expect(orch.pr).toBeNull();
    expect(Object.keys(orch.gates)).toEqual([]);

    expect((await cli(['stop', 'orchestrator'])).code).toBe(0);
    expect((await cli(['rm', 'orchestrator'])).code).toBe(0);
    expect(existsSync(join(repo.root, '.git'))).toBe(true);
    expect(existsSync(join(repo.root, 'README.md'))).toBe(true);
  }, 60_000);
});
