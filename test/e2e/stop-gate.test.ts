import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { demoAgentPath } from '../../src/engine/index.js';
import { HAVE_TMUX, makeTmuxRepo, waitFor, type TmuxRepo } from '../../src/test-support/tmux-repo.js';

let t: TmuxRepo | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

describe.skipIf(!HAVE_TMUX)('the Claude Code stop gate', () => {
  it('blocks a Claude-style agent from stopping with uncommitted work, at most stopGate.maxBlocks times', async () => {
    t = makeTmuxRepo('stopgate', {
      stopGate: { enabled: true, maxBlocks: 2 },
      profiles: { demo: { command: [process.execPath, demoAgentPath(), '{prompt}'], hooks: 'claude' } },
      defaultAgent: 'demo',
    });
    const { repo } = t;
    const cli = (args: string[]) => t!.cli(args, { CLAUDE_CONFIG_DIR: `${repo.dir}/claude` });
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
