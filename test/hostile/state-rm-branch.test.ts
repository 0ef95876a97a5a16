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
    // The registry refuses the tampered file whole on read (validation from issue 16); rm's own
    // branch check (foreignBranch) stands behind it. Either way: one line, nothing deleted.
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^flotilla: .*tasks\.json: .*"precious" is not flotilla's branch for attempt 1 of victim \(flotilla\/victim-a1\)/);
    expect(stateDiff(r.before, r.after)).toEqual({ added: [], removed: [], changed: [] });
    expect(git(repo.root, 'for-each-ref', '--format=%(refname:short)', 'refs/heads/').trim().split('\n')).toEqual(['flotilla/victim-a1', 'main', 'precious']);
  });
});
