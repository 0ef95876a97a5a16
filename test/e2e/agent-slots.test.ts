import { afterEach, describe, expect, it } from 'vitest';
import { HAVE_TMUX, makeTmuxRepo, waitFor, type TmuxRepo } from '../../src/test-support/tmux-repo.js';

let t: TmuxRepo | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

describe.skipIf(!HAVE_TMUX)('agent slots across processes (tmux runtime)', () => {
  it('an agent started by a CLI process that has exited still holds its slot; the next start waits with the reason, and goes once it stops', async () => {
    t = makeTmuxRepo('slots', {
      limits: { maxAgents: 1, staggerMs: 0 },
      profiles: { sleeper: { command: ['bash', '-c', 'echo up; sleep 300'] } },
      defaultAgent: 'sleeper',
    });
    const { cli } = t;
    expect((await cli(['add', 'One', '--prompt', 'p'])).code).toBe(0);
    expect((await cli(['add', 'Two', '--prompt', 'p'])).code).toBe(0);
    expect((await cli(['start', 'one'])).code).toBe(0);

    const second = cli(['start', 'two']);
    const waiting = await waitFor('the second start waiting for a slot', async () => {
      const s = JSON.parse((await cli(['status', '--json'])).stdout) as { resources: { running: Array<{ taskId?: string }>; waiting: Array<{ taskId?: string; reason?: string }> } };
      // The entry says "queued" until its first admission decision, then why it waits.
      return s.resources.waiting.find((w) => w.taskId === 'two' && w.reason !== 'waiting: queued') && s;
    });
    expect(waiting.resources.running.map((r) => r.taskId)).toEqual(['one']);
    expect(waiting.resources.waiting.find((w) => w.taskId === 'two')!.reason).toMatch(/1\/1 agent slots? busy/);

    expect((await cli(['stop', 'one'])).code).toBe(0);
    const started = await second;
    // It said why it waited, once, instead of hanging silently.
    expect(started.stderr).toMatch(/^flotilla: two waiting: 1\/1 agent slots? busy \(flotilla status shows the queue; Ctrl-C gives up\)\n$/);
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/started two/);
  }, 90_000);
});
