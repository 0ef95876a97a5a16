import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../exec/index.js';
import { GitClient } from './git-client.js';
import type { Attempt, Task } from '../core/index.js';
import { createAttemptWorktree } from '../workspace/index.js';
import { git, makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { probeAttempt, readBranchTips } from './probe.js';

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());
const client = new GitClient(createRunner());

async function setup() {
  repo = makeTempRepo();
  repo.write('shared.txt', 'line\n');
  repo.commit('shared');
  const wt = await createAttemptWorktree(client, { repoRoot: repo.root, worktreeRoot: repo.worktreeRoot, taskId: 't', n: 1, startPoint: 'main' });
  const task = { id: 't', base: 'main' } as Task;
  const attempt = { n: 1, branch: wt.branch, worktree: wt.worktree } as Attempt;
  return { wt, task, attempt };
}

describe('probeAttempt', () => {
  it('counts commits ahead, sees a dirty tree and a base that moved with conflicting files', async () => {
    const { wt, task, attempt } = await setup();
    writeFileSync(join(wt.worktree, 'shared.txt'), 'agent\n');
    git(wt.worktree, 'commit', '-qam', 'agent change');
    writeFileSync(join(wt.worktree, 'new file.txt'), 'x\n');
    let p = await probeAttempt(client, { repoRoot: repo!.root, task, attempt, tips: await readBranchTips(client, repo!.root) });
    expect(p).toMatchObject({ ahead: 1, behind: 0, clean: false, dirty: ['new file.txt'], conflicts: null, problem: null });

    repo!.write('shared.txt', 'main\n');
    repo!.write('other.txt', 'o\n');
    repo!.commit('main change');
    p = await probeAttempt(client, { repoRoot: repo!.root, task, attempt, tips: await readBranchTips(client, repo!.root) });
    expect(p).toMatchObject({ ahead: 1, behind: 1, conflicts: ['shared.txt'] });
  });

  it('a base that moved without touching the same lines merges cleanly', async () => {
    const { wt, task, attempt } = await setup();
    writeFileSync(join(wt.worktree, 'mine.txt'), 'agent\n');
    git(wt.worktree, 'add', '-A');
    git(wt.worktree, 'commit', '-qm', 'agent file');
    repo!.write('theirs.txt', 'main\n');
    repo!.commit('main file');
    const p = await probeAttempt(client, { repoRoot: repo!.root, task, attempt, tips: await readBranchTips(client, repo!.root) });
    expect(p).toMatchObject({ ahead: 1, behind: 1, clean: true, conflicts: [] });
  });

  it('names a deleted worktree and a deleted branch', async () => {
    const { wt, task, attempt } = await setup();
    git(repo!.root, 'worktree', 'remove', '--force', wt.worktree);
    let p = await probeAttempt(client, { repoRoot: repo!.root, task, attempt, tips: await readBranchTips(client, repo!.root) });
    expect(p.problem).toBe(`worktree ${wt.worktree} of attempt 1 was deleted`);
    git(repo!.root, 'branch', '-D', wt.branch);
    p = await probeAttempt(client, { repoRoot: repo!.root, task, attempt: { ...attempt, worktree: repo!.root }, tips: await readBranchTips(client, repo!.root) });
    expect(p.problem).toBe(`branch ${wt.branch} of attempt 1 was deleted`);
  });
});
