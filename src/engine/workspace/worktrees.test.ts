import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../exec/index.js';
import { GitClient } from '../git/index.js';
import { git, makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { copyMatchingFiles, runSetupCommands } from './bootstrap.js';
import { createAttemptWorktree, removeAttemptWorktree } from './worktrees.js';

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());
const client = new GitClient(createRunner());

describe('attempt worktrees', () => {
  it('creates flotilla/<task>-a<N> from the start point, outside the repository', async () => {
    repo = makeTempRepo();
    repo.write('src/app.js', 'one\n');
    repo.commit('app');
    const wt = await createAttemptWorktree(client, {
      repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 'fix-login', n: 1, startPoint: 'main', base: 'main',
    });
    const main = git(repo.root, 'rev-parse', 'main').trim();
    expect(wt).toEqual({ branch: 'flotilla/fix-login-a1', worktree: join(repo.worktreeRoot, 'fix-login-a1'), created: true, branchCreated: true, baseCommit: main });
    expect(readFileSync(join(wt.worktree, 'src/app.js'), 'utf8')).toBe('one\n');
    expect(git(wt.worktree, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('flotilla/fix-login-a1');
    expect(wt.worktree.startsWith(repo.root)).toBe(false);
  });

  it('attempt 2 can start from attempt 1 branch; the old worktree is kept', async () => {
    repo = makeTempRepo();
    const a1 = await createAttemptWorktree(client, {
      repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 't', n: 1, startPoint: 'main',
    });
    writeFileSync(join(a1.worktree, 'work.txt'), 'attempt one\n');
    git(a1.worktree, 'add', '-A');
    git(a1.worktree, 'commit', '-q', '-m', 'attempt one');
    const a2 = await createAttemptWorktree(client, {
      repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 't', n: 2, startPoint: a1.branch,
    });
    expect(readFileSync(join(a2.worktree, 'work.txt'), 'utf8')).toBe('attempt one\n');
    expect(existsSync(a1.worktree)).toBe(true);
  });

  it('reuses an existing worktree of the same attempt', async () => {
    repo = makeTempRepo();
    const o = { repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 't', n: 1, startPoint: 'main' };
    await createAttemptWorktree(client, o);
    expect((await createAttemptWorktree(client, o)).created).toBe(false);
  });

  it('refuses a start point that does not exist', async () => {
    repo = makeTempRepo();
    await expect(
      createAttemptWorktree(client, { repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 't', n: 1, startPoint: 'nope' }),
    ).rejects.toThrow(/start point "nope" does not exist/);
  });

  it('refuses task ids that would leave the worktree root', async () => {
    repo = makeTempRepo();
    await expect(
      createAttemptWorktree(client, { repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: '../x', n: 1, startPoint: 'main' }),
    ).rejects.toThrow(/not a valid slug/);
  });

  it('removes a worktree and its branch', async () => {
    repo = makeTempRepo();
    const wt = await createAttemptWorktree(client, {
      repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 't', n: 1, startPoint: 'main',
    });
    writeFileSync(join(wt.worktree, 'dirty.txt'), 'x');
    await removeAttemptWorktree(client, { repoRoot: repo.root, worktree: wt.worktree, branch: wt.branch });
    expect(existsSync(wt.worktree)).toBe(false);
    expect(await client.branchExists(repo.root, wt.branch)).toBe(false);
  });

  it('bootstrap copies .env files and runs setup commands in the worktree', async () => {
    repo = makeTempRepo();
    repo.write('.env', 'SECRET=1\n');
    repo.write('.env.local', 'LOCAL=1\n');
    repo.write('other.txt', 'no\n');
    const wt = await createAttemptWorktree(client, {
      repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 't', n: 1, startPoint: 'main',
    });
    expect(await copyMatchingFiles(repo.root, wt.worktree, ['.env', '.env.*'])).toEqual(['.env', '.env.local']);
    expect(readFileSync(join(wt.worktree, '.env'), 'utf8')).toBe('SECRET=1\n');
    expect(existsSync(join(wt.worktree, 'other.txt'))).toBe(false);
    await runSetupCommands(createRunner(), wt.worktree, [['node', '-e', 'require("fs").writeFileSync("setup-ran", process.cwd())']]);
    expect(readFileSync(join(wt.worktree, 'setup-ran'), 'utf8')).toBe(wt.worktree);
    await expect(runSetupCommands(createRunner(), wt.worktree, [['node', '-e', 'process.exit(3)']])).rejects.toThrow(/exit 3/);
  });
});
