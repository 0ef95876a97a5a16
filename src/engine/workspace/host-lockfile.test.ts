import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../exec/index.js';
import { lockfileAt } from './host-shared-deps.js';
import { hostLockfileChange, type HostWorktreeFacts } from './host-lockfile.js';

// What a pass's probe of a host says about a shared attempt's worktree there (HEAD, git status
// paths), against what was linked: the decision needs no exec on the host, only local git.
describe('hostLockfileChange', () => {
  let repo: string;
  const runner = createRunner();
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@flotilla.invalid', ...args], { cwd: repo, encoding: 'utf8' }).trim();
  const commit = (file: string, text: string, message: string) => {
    writeFileSync(join(repo, file), text);
    git('add', file);
    git('commit', '-qm', message);
    return git('rev-parse', 'HEAD');
  };
  let start: string;
  let linked: { hash: string; packageHash: string; lockfile: string };
  const facts = (over: Partial<HostWorktreeFacts>): HostWorktreeFacts => ({ taskId: 't', host: 'box', worktree: '/w/t-a1', head: start, dirty: [], ...over });

  beforeAll(async () => {
    repo = mkdtempSync(join(tmpdir(), 'flt-hostlock-'));
    git('init', '-q', '-b', 'main');
    commit('package.json', '{"name":"a"}\n', 'package');
    start = commit('package-lock.json', '{"lockfileVersion":3}\n', 'lock');
    const lock = (await lockfileAt(runner, repo, start))!;
    linked = { hash: lock.hash, packageHash: lock.packageHash, lockfile: lock.lockfile };
  });
  afterAll(() => rmSync(repo, { recursive: true, force: true }));

  it('nothing changed: the start head, or a commit that leaves the lockfile and package.json alone', async () => {
    expect(await hostLockfileChange(runner, repo, linked, facts({}))).toBeNull();
    const other = commit('src.js', 'x\n', 'code');
    expect(await hostLockfileChange(runner, repo, linked, facts({ head: other, dirty: ['src.js', 'node_modules/x'] }))).toBeNull();
  });

  it('an uncommitted change to the lockfile or package.json shows in the git status paths', async () => {
    expect(await hostLockfileChange(runner, repo, linked, facts({ dirty: ['src.js', 'package-lock.json'] }))).toEqual({ what: 'package-lock.json' });
    expect(await hostLockfileChange(runner, repo, linked, facts({ dirty: ['package.json'] }))).toEqual({ what: 'package.json' });
    // A file of that name in a subfolder is not the worktree's lockfile.
    expect(await hostLockfileChange(runner, repo, linked, facts({ dirty: ['sub/package-lock.json'] }))).toBeNull();
  });

  it('a committed change is read at the head the pass fetched back, hashed as at linking; a head already compared or not here yet is left', async () => {
    const moved = commit('package-lock.json', '{"lockfileVersion":3,"x":1}\n', 'new lock');
    const change = await hostLockfileChange(runner, repo, linked, facts({ head: moved }));
    expect(change).toEqual({ what: 'package-lock.json', manager: 'npm', lockfile: 'package-lock.json', hash: (await lockfileAt(runner, repo, moved))!.hash });
    expect(change!.hash).not.toBe(linked.hash);
    expect(await hostLockfileChange(runner, repo, linked, facts({ head: moved }), moved)).toBeNull();
    expect(await hostLockfileChange(runner, repo, linked, facts({ head: 'f'.repeat(40) }))).toBeNull();
    git('reset', '-q', '--hard', start);
    const pkg = commit('package.json', '{"name":"a","dependencies":{}}\n', 'package changed');
    expect(await hostLockfileChange(runner, repo, linked, facts({ head: pkg }))).toMatchObject({ what: 'package.json', hash: linked.hash });
  });
});
