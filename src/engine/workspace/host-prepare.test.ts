import { lstatSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { createRunner } from '../exec/index.js';
import type { HostLayout, RemoteHostPort, Runner } from '../core/index.js';
import { GitClient } from '../git/index.js';
import { encodeFiles, prepareWorktreeOnHost } from './host-prepare.js';
import { pushStartToMirror } from './remote-attempt.js';

/**
 * The host side of a remote start, run by real sh and git on this machine: the "host" is a folder
 * here, its runner runs locally, and the mirror's URL is its path (git push needs no ssh). The
 * same script goes over ssh in the e2e tests (test/e2e/host*.test.ts).
 */
let repo: TempRepo;
afterEach(() => repo?.cleanup());

function fakeHost(root: string): { host: RemoteHostPort; layout: HostLayout; calls: string[][] } {
  const calls: string[][] = [];
  const local = createRunner();
  const runner: Runner = { run: (file, args, options) => (calls.push([file, ...args]), local.run(file, args, options)) };
  const stateDir = join(root, '.flotilla', 'abc');
  const layout: HostLayout = { worktreeRoot: join(root, 'repo-abc'), stateDir, mirror: join(stateDir, 'mirror.git'), tmuxSocket: join(stateDir, 'tmux'), tmuxConf: join(stateDir, 'tmux.conf'), logDir: join(stateDir, 'logs') };
  const host = {
    name: 'box',
    config: { ssh: 'x@y', port: 22, maxAgents: 4, maxBuilds: 2, memReserveMB: 0, env: {} },
    runner,
    layout: async () => layout,
    gitRemote: async () => ({ url: layout.mirror, env: {} }),
    withMirrorLock: (fn: () => Promise<unknown>) => fn(),
  } as unknown as RemoteHostPort;
  return { host, layout, calls };
}

describe('preparing an attempt on a host in one exec', () => {
  it('pushes only when the mirror lacks the start commit, writes the .env files exactly, and reports the fork point', async () => {
    repo = makeTempRepo();
    repo.write('.env', 'TOKEN=abc\nB=two words\n');
    repo.write('.env.local', 'NO_NEWLINE=1');
    const hostRoot = join(repo.dir, 'box');
    mkdirSync(hostRoot);
    const { host, layout, calls } = fakeHost(hostRoot);
    // The local git's pushes are counted through its runner.
    const localRuns: string[][] = [];
    const base = createRunner();
    const localGit = new GitClient({ run: (f, a, o) => (localRuns.push([f, ...a]), base.run(f, a, o)) });
    const pushes = () => localRuns.filter((c) => c[1] === 'push').length;
    const o = { localGit, repoRoot: repo.root, host, layout, startPoint: 'main', base: 'main', copy: ['.env*'] };

    const first = await prepareWorktreeOnHost({ ...o, taskId: 'one', n: 1 });
    expect(pushes()).toBe(1);
    // The exec, the push, the exec again (the mirror did not have the commit).
    expect(calls).toHaveLength(2);
    const tip = git(repo.root, 'rev-parse', 'main').trim();
    expect(first).toEqual({ branch: 'flotilla/one-a1', worktree: join(layout.worktreeRoot, 'one-a1'), created: true, branchCreated: true, baseCommit: tip, startSha: tip });
    expect(readFileSync(join(first.worktree, '.env'), 'utf8')).toBe('TOKEN=abc\nB=two words\n');
    expect(readFileSync(join(first.worktree, '.env.local'), 'utf8')).toBe('NO_NEWLINE=1');
    expect(lstatSync(join(first.worktree, '.env')).mode & 0o777).toBe(0o600);
    expect(lstatSync(layout.stateDir).mode & 0o777).toBe(0o700);
    expect(lstatSync(layout.logDir).mode & 0o777).toBe(0o700);
    expect(git(first.worktree, 'rev-parse', 'HEAD').trim()).toBe(tip);

    // Another task from the same commit: the mirror has it, so one exec and no push.
    const second = await prepareWorktreeOnHost({ ...o, taskId: 'two', n: 1 });
    expect(pushes()).toBe(1);
    expect(calls).toHaveLength(3);
    expect(second.created).toBe(true);
    expect(git(layout.mirror, 'rev-parse', 'refs/flotilla/start/two-a1').trim()).toBe(tip);

    // Base moved here: the new commit is pushed (and the base branch follows it there).
    repo.write('more.txt', 'x\n');
    repo.commit('more');
    const moved = git(repo.root, 'rev-parse', 'main').trim();
    const third = await prepareWorktreeOnHost({ ...o, taskId: 'three', n: 1 });
    expect(pushes()).toBe(2);
    expect(third.baseCommit).toBe(moved);
    expect(git(layout.mirror, 'rev-parse', 'refs/heads/main').trim()).toBe(moved);

    // The same attempt again (a start after a crash): its worktree is reused, the files written again.
    writeFileSync(join(first.worktree, '.env'), 'changed\n');
    const again = await prepareWorktreeOnHost({ ...o, taskId: 'one', n: 1 });
    expect(again).toMatchObject({ created: false, branchCreated: false, worktree: first.worktree });
    expect(readFileSync(join(first.worktree, '.env'), 'utf8')).toBe('TOKEN=abc\nB=two words\n');
  });

  it('refuses a path that is in the way, and never writes through a link planted at a copied file', async () => {
    repo = makeTempRepo();
    repo.write('.env', 'SECRET=1\n');
    const hostRoot = join(repo.dir, 'box');
    mkdirSync(hostRoot);
    const { host, layout } = fakeHost(hostRoot);
    const o = { localGit: new GitClient(createRunner()), repoRoot: repo.root, host, layout, startPoint: 'main', copy: ['.env'] };
    mkdirSync(join(layout.worktreeRoot, 'x-a1'), { recursive: true });
    await expect(prepareWorktreeOnHost({ ...o, taskId: 'x', n: 1 })).rejects.toThrow(`${join(layout.worktreeRoot, 'x-a1')} already exists and is not a worktree of this repository; move it away`);

    const made = await prepareWorktreeOnHost({ ...o, taskId: 'y', n: 1 });
    const outside = join(repo.dir, 'outside.txt');
    writeFileSync(outside, 'untouched\n');
    rmSync(join(made.worktree, '.env'));
    symlinkSync(outside, join(made.worktree, '.env'), 'file');
    // Written again on a reuse: the link goes, its target stays as it was.
    await prepareWorktreeOnHost({ ...o, taskId: 'y', n: 1 });
    expect(readFileSync(outside, 'utf8')).toBe('untouched\n');
    expect(lstatSync(join(made.worktree, '.env')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(made.worktree, '.env'), 'utf8')).toBe('SECRET=1\n');
  });

  it("a push the mirror refuses says git's reason (the ref it could not lock), not git's closing summary", async () => {
    repo = makeTempRepo();
    const hostRoot = join(repo.dir, 'box');
    mkdirSync(hostRoot);
    const { host, layout } = fakeHost(hostRoot);
    git(repo.dir, 'init', '-q', '--bare', layout.mirror);
    // What a second push finds while another updates the base there.
    writeFileSync(join(layout.mirror, 'refs', 'heads', 'main.lock'), '');
    const sha = git(repo.root, 'rev-parse', 'main').trim();
    const push = pushStartToMirror({ localGit: new GitClient(createRunner()), repoRoot: repo.root, host, sha, taskId: 'one', n: 1, base: 'main' });
    await expect(push).rejects.toThrow(/^host box: git push to the mirror failed: remote: error: cannot lock ref 'refs\/heads\/main': Unable to create .*main\.lock': File exists\.$/);
  });
  it('encodes files line by line, marking a last line without a newline', () => {
    expect(encodeFiles(['a\nb\n', 'c', '', '|x\n\n'])).toBe('F\n|a\n|b\nF\n>c\nF\nF\n||x\n|\n');
  });
});
