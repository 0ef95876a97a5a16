import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { foreignBranch } from './task-remove.js';
import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, makeFleetFixture, type FleetFixture } from '../../../test-support/fleet-fixture.js';
import { git } from '../../../test-support/temp-repo.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

describe('task.remove and branches', () => {
  it('refuses a registry that names a branch outside flotilla/<task>-a<N>, deleting nothing (was: deleted "precious")', async () => {
    fx = await makeFleetFixture();
    const { fleet, repo } = fx;
    git(repo.root, 'branch', 'precious');
    const wt = await addRunningTask(fleet, 't1');
    // Tampered by hand: the registry refuses such a file whole on read (h16), and rm's own check
    // (foreignBranch, below) stands behind it.
    const file = fleet.paths.registryFile;
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.tasks[0].attempts[0].branch = 'precious';
    writeFileSync(file, JSON.stringify(data));
    const before = readFileSync(file, 'utf8');
    await expect(fleet.dispatch({ type: 'task.remove', id: 't1', keepWorktrees: false })).rejects.toThrow(/"precious"/);
    expect(foreignBranch({ id: 't1', attempts: data.tasks[0].attempts }, repo.root)).toBe(
      'attempt 1 of t1 names branch "precious", not flotilla/t1-a1: refusing to remove the task (nothing was deleted; fix .flotilla/tasks.json or use --keep-worktrees)',
    );
    expect(git(repo.root, 'branch', '--list', 'precious').trim()).toContain('precious');
    expect(git(repo.root, 'branch', '--list', 'flotilla/t1-a1').trim()).toContain('flotilla/t1-a1');
    expect(existsSync(wt.worktree)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it("deletes the task's own branch and worktree", async () => {
    fx = await makeFleetFixture();
    const { fleet, repo } = fx;
    const wt = await addRunningTask(fleet, 't2');
    await fleet.dispatch({ type: 'task.remove', id: 't2', keepWorktrees: false });
    expect(git(repo.root, 'branch', '--list', 'flotilla/t2-a1').trim()).toBe('');
    expect(existsSync(wt.worktree)).toBe(false);
  });
});
