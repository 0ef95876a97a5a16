import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crashed, git, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

describe('rm and a tampered registry', () => {
  it('attempt.branch = "precious": rm refuses with one line and deletes nothing (was: deleted branch precious)', async () => {
    repo = hostileRepo({ profiles: { demo: { command: ['sleep', '0'] } }, defaultAgent: 'demo', runtime: 'pty' });
    git(repo.root, 'branch', 'precious');
    let r = await runFlotilla(repo.root, ['add', 'Victim', '--prompt', 'x', '--id', 'victim']);
    expect(r.code).toBe(0);
    r = await runFlotilla(repo.root, ['start', 'victim']);
    expect(r.code).toBe(0);
    const file = join(repo.root, '.flotilla', 'tasks.json');
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.tasks[0].attempts[0].branch = 'precious';
    writeFileSync(file, JSON.stringify(data, null, 2));
    r = await runFlotilla(repo.root, ['rm', 'victim']);
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'flotilla: attempt 1 of victim names branch "precious", not flotilla/victim-a1: refusing to remove the task (nothing was deleted; fix .flotilla/tasks.json or use --keep-worktrees)',
    );
    expect(stateDiff(r.before, r.after)).toEqual({ added: [], removed: [], changed: [] });
    expect(git(repo.root, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').trim().split('\n')).toEqual(['flotilla/victim-a1', 'main', 'precious']);
  });
});
