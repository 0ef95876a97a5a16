import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('an unusable worktreeRoot', () => {
  it.each([
    ['/proc/flotilla-wt', 'flotilla: worktreeRoot /proc/flotilla-wt is under /proc, which cannot hold worktrees; set "worktreeRoot" in .flotilla/config.json to a folder you can write\n'],
    ['/dev/null/wt', 'flotilla: worktreeRoot /dev/null/wt is under /dev, which cannot hold worktrees; set "worktreeRoot" in .flotilla/config.json to a folder you can write\n'],
  ])('%s: start refuses at once with one line, no attempt recorded (was: spun, ignoring SIGTERM)', async (root, message) => {
    repo = hostileRepo({ runtime: 'pty', profiles: { d: { command: ['true'] } }, defaultAgent: 'd' });
    expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'w1'])).code).toBe(0);
    const config = JSON.parse(readFileSync(`${repo.root}/.flotilla/config.json`, 'utf8'));
    writeFileSync(`${repo.root}/.flotilla/config.json`, JSON.stringify({ ...config, worktreeRoot: root }));
    const r = await runFlotilla(repo.root, ['start', 'w1'], { timeoutMs: 20_000 });
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(message);
    expect(stateDiff(r.before, r.after)).toEqual({ added: [], removed: [], changed: [] });
  });
});
