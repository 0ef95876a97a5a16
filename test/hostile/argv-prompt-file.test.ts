/**
 * `add --prompt-file` on something that is not a regular file: a FIFO nobody writes to (was: hung
 * for ever), a directory, a character device. Each is refused at once with one line, exit 2, and
 * nothing written.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo;
beforeAll(() => {
  repo = hostileRepo();
  execFileSync('mkfifo', [join(repo.dir, 'fifo')]);
  mkdirSync(join(repo.dir, 'adir'));
});
afterAll(() => repo?.cleanup());

describe('add --prompt-file on a non-regular file', () => {
  const cases: Array<[string, () => string, RegExp]> = [
    ['a FIFO', () => join(repo.dir, 'fifo'), /is not a regular file$/],
    ['a directory', () => join(repo.dir, 'adir'), /is not a regular file$/],
    ['a character device', () => '/dev/zero', /is not a regular file$/],
    ['a missing file', () => join(repo.dir, 'nope'), /cannot read prompt file .*nope: ENOENT$/],
  ];
  for (const [name, path, message] of cases) {
    it(name, async () => {
      const run = await runFlotilla(repo.root, ['add', 'T', '--prompt-file', path()], { timeoutMs: 15_000 });
      expect(run.timedOut).toBe(false);
      expect(crashed(run), run.stderr).toBe(false);
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
      expect(stateDiff(run.before, run.after)).toEqual({ added: [], removed: [], changed: [] });
    });
  }
});
