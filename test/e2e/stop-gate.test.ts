import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoAgentPath } from '../../src/engine/agents/demo/profile.js';
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
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe.skipIf(!HAVE_TMUX)('the Claude Code stop gate', () => {
  it('blocks a Claude-style agent from stopping with uncommitted work, at most stopGate.maxBlocks times', async () => {
    socket = `flt-stopgate-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    repo = makeTempRepo({
      runtime: 'tmux',
      stopGate: { enabled: true, maxBlocks: 2 },
      profiles: { demo: { command: [process.execPath, demoAgentPath(), '{prompt}'], hooks: 'claude' } },
      defaultAgent: 'demo',
    });
    const env = { FLOTILLA_TMUX_SOCKET: socket, CLAUDE_CONFIG_DIR: `${repo.dir}/claude` };
    const cli = (args: string[]) => runCli(repo!.root, args, env);
    expect((await cli(['add', 'Notes', '--prompt', 'Write notes.\ndemo: write notes.txt "draft"'])).code).toBe(0);
    expect((await cli(['start', 'notes'])).code).toBe(0);
    const screen = await waitFor('the second block on screen', async () => {
      const s = (await cli(['capture', 'notes'])).stdout;
      return s.includes('block 2 of 2') && s;
    });
    expect(screen).toContain('Uncommitted changes: notes.txt');
    const registry = JSON.parse(readFileSync(join(repo.root, '.flotilla', 'tasks.json'), 'utf8')) as { tasks: Array<{ attempts: Array<{ stopGateBlocks?: number }> }> };
    expect(registry.tasks[0]!.attempts[0]!.stopGateBlocks).toBe(2);
    // After the cap the agent is let go: the third Stop is allowed and the agent goes idle.
    await waitFor('idle after the cap', async () => {
      await cli(['check']); // a one-shot process adopting the session brings its status up to date
      const s = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ attempts: Array<{ session: { state: string } }> }> };
      return s.tasks[0]!.attempts[0]!.session.state === 'idle';
    });
  }, 60_000);
});
