import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, agentCommit, makeFleetFixture, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { git } from '../../test-support/temp-repo.js';
import { createAttemptWorktree } from '../workspace/index.js';
import { diffAttempts } from './diff.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

describe('diffAttempts', () => {
  it("shows what the attempts did, not what base did meanwhile (a rebased attempt, a moved base)", async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const { fleet, repo } = fx;
    const a1 = await addRunningTask(fleet, 't');
    agentCommit(a1.worktree, 'src/app.js', 'export const a = 2;\n', 'attempt 1');

    // Base moves on: another change lands on main after attempt 1 forked.
    repo.write('src/other.js', 'export const other = true;\n');
    repo.commit('someone else');

    // One attempt: against base since it forked, so the other change does not show (reversed).
    const one = await diffAttempts(fleet, 't');
    expect(one.text).toContain('+export const a = 2;');
    expect(one.text).not.toContain('other');

    // Attempt 2 continues attempt 1, is rebased onto the new base, and changes the same file again.
    const a2 = await createAttemptWorktree(fleet.git, { repoRoot: repo.root, worktreeRoot: fleet.worktreeRoot, taskId: 't', n: 2, startPoint: a1.branch });
    git(a2.worktree, 'rebase', '-q', 'main');
    agentCommit(a2.worktree, 'src/app.js', 'export const a = 3;\n', 'attempt 2');
    await fleet.registry.updateTask('t', (t) => {
      const now = new Date().toISOString();
      t.attempts.push({ ...t.attempts[0]!, n: 2, branch: a2.branch, worktree: a2.worktree, startPoint: a1.branch, createdAt: now, startedAt: now });
    });
    const two = await diffAttempts(fleet, 't');
    expect(two.text).toContain('attempt 1 (flotilla/t-a1) -> attempt 2 (flotilla/t-a2)');
    expect(two.text).toContain('-export const a = 2;\n+export const a = 3;');
    expect(two.text).not.toContain('other');
    // The whole trees do differ by the rebase: that is what stays out.
    expect(git(repo.root, 'diff', '--name-only', a1.branch, a2.branch)).toContain('src/other.js');
  });

  it('says no difference when neither attempt changed anything', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const a1 = await addRunningTask(fx.fleet, 'idle');
    const a2 = await createAttemptWorktree(fx.fleet.git, { repoRoot: fx.repo.root, worktreeRoot: fx.fleet.worktreeRoot, taskId: 'idle', n: 2, startPoint: 'main' });
    await fx.fleet.registry.updateTask('idle', (t) => {
      t.attempts.push({ ...t.attempts[0]!, n: 2, branch: a2.branch, worktree: a2.worktree });
    });
    expect(a1.branch).toBe('flotilla/idle-a1');
    expect((await diffAttempts(fx.fleet, 'idle')).text).toBe('idle: attempt 1 (flotilla/idle-a1) -> attempt 2 (flotilla/idle-a2)\n(no difference)');
  });
});
