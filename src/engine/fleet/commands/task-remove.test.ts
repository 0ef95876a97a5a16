import { existsSync } from 'node:fs';
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
    await fleet.registry.updateTask('t1', (t) => {
      t.attempts[0]!.branch = 'precious';
    });
    const before = await fleet.registry.read();
    await expect(fleet.dispatch({ type: 'task.remove', id: 't1', keepWorktrees: false })).rejects.toThrow(
      /attempt 1 of t1 names branch "precious", not flotilla\/t1-a1: refusing to remove the task \(nothing was deleted/,
    );
    expect(git(repo.root, 'branch', '--list', 'precious').trim()).toContain('precious');
    expect(git(repo.root, 'branch', '--list', 'flotilla/t1-a1').trim()).toContain('flotilla/t1-a1');
    expect(existsSync(wt.worktree)).toBe(true);
    expect(await fleet.registry.read()).toEqual(before);
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
