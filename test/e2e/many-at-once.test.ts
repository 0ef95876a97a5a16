import { afterEach, describe, expect, it } from 'vitest';
import { HAVE_TMUX, makeTmuxRepo, type TmuxRepo } from '../../src/test-support/tmux-repo.js';

let t: TmuxRepo | null = null;
afterEach(() => {
  t?.cleanup();
  t = null;
});

const sorted = (text: string) => text.trim().split('\n').sort();

describe.skipIf(!HAVE_TMUX)('start, stop, rm of several tasks at once (real tmux agents)', () => {
  it('starts by id and tag, stops them in parallel with one line each and a summary, and a missing id fails only itself', { timeout: 90_000 }, async () => {
    t = makeTmuxRepo('many', {
      defaultAgent: 'sleeper',
      profiles: { sleeper: { command: ['bash', '-c', 'trap "" TERM; sleep 300'], hooks: 'none' } },
      limits: { maxAgents: 8, staggerMs: 0 },
    });
    for (const id of ['a1', 'a2', 'a3', 'b1']) {
      const tag = id.startsWith('a') ? ['--tag', 'alpha'] : [];
      expect((await t.cli(['add', `Task ${id}`, '--id', id, '--prompt', 'go', ...tag])).code).toBe(0);
    }

    const byTag = await t.cli(['start', '--tag', 'alpha']);
    expect(byTag.stderr).toBe('');
    expect(byTag.code).toBe(0);
    expect(byTag.stdout).toMatch(/^started a1 \(attempt 1, pid \d+\)/m);
    expect(byTag.stdout).toMatch(/^started a3 /m);
    expect(byTag.stdout).toMatch(/^started or queued 3 of 3 task\(s\)$/m);
    expect((await t.cli(['start', 'b1'])).stdout).toMatch(/^started b1 /);

    const both = await t.cli(['start', 'a1', '--all']);
    expect(both).toMatchObject({ code: 2, stderr: 'flotilla: start: give task ids or --all/--state/--tag, not both\n' });

    // The agents ignore SIGTERM: each stop needs its grace period and SIGKILL (stopped in
    // parallel). A missing id fails only itself; the exit code says something failed.
    const stopped = await t.cli(['stop', 'a1', 'a2', 'a3', 'b1', 'nosuch']);
    expect(stopped.code).toBe(2);
    expect(sorted(stopped.stdout)).toEqual(['stopped a1', 'stopped a2', 'stopped a3', 'stopped b1']);
    expect(stopped.stderr).toBe('flotilla: nosuch: no task "nosuch" (see `flotilla status`)\nstopped 4 of 5 task(s); 1 failed\n');
    const status = await t.cli(['status', '--json']);
    const states = (JSON.parse(status.stdout).tasks as Array<{ id: string; state: string }>).map((x) => `${x.id}:${x.state}`);
    expect(states.sort()).toEqual(['a1:stopped', 'a2:stopped', 'a3:stopped', 'b1:stopped']);

    const rm = await t.cli(['rm', '--tag', 'alpha']);
    expect(rm.code).toBe(0);
    expect(sorted(rm.stdout)).toEqual(['removed 3 of 3 task(s)', 'removed a1', 'removed a2', 'removed a3']);
  });
});
