import { afterEach, describe, expect, it } from 'vitest';
import { crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('stop of a task that never started', () => {
  it('exits 2 with one clear line and changes nothing (was: exit 0, task moved to stopped)', async () => {
    repo = hostileRepo({ profiles: { d: { command: ['true'] } }, defaultAgent: 'd' });
    expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'idle'])).code).toBe(0);
    const r = await runFlotilla(repo.root, ['stop', 'idle']);
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('flotilla: task idle was never started, nothing to stop (flotilla start idle starts it)\n');
    expect(stateDiff(r.before, r.after)).toEqual({ added: [], removed: [], changed: [] });
  });
});
