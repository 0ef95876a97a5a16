import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, setSession, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { git } from '../../test-support/temp-repo.js';
import { runMonitorPass } from './pass.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

const passCheck = { name: 'lint', command: [process.execPath, '-e', 'console.log("lint ok")'], timeoutSec: 30 };

/** A fleet whose main carries a commit adding secret.env, and a finished attempt forked after it. */
async function secretThenAttempt(): Promise<{ fx: FleetFixture; worktree: string; secretSha: string }> {
  const f = await makeFleetFixture({ forge: 'local', checks: [passCheck] });
  f.repo.write('secret.env', 'TOKEN=hunter2\n');
  f.repo.commit('oops: add secret.env');
  const secretSha = git(f.repo.root, 'rev-parse', 'HEAD').trim();
  const wt = await addRunningTask(f.fleet, 'feat');
  expect((await readTask(f.fleet, 'feat')).attempts[0]!.baseCommit).toBe(secretSha);
  agentCommit(wt.worktree, 'feature.txt', 'feature\n', 'add feature');
  await setSession(f.fleet, 'feat', { state: 'exited', exitCode: 0 });
  return { fx: f, worktree: wt.worktree, secretSha };
}

describe('a base rewritten under an attempt', () => {
  it('main reset to drop the secret commit: the rebased gate fails and the task is not ready (was: ready, secret kept)', async () => {
    const s = await secretThenAttempt();
    fx = s.fx;
    git(fx.repo.root, 'reset', '-q', '--hard', 'HEAD~1');
    await runMonitorPass(fx.fleet);
    const task = await readTask(fx.fleet, 'feat');
    expect(task.state).not.toBe('ready');
    expect(task.gates.rebased).toMatchObject({ state: 'fail' });
    expect(task.gates.rebased!.detail).toBe(`base was rewritten: review what changed (${s.secretSha.slice(0, 12)}, where this attempt started, is no longer on main)`);
    // Not an automatic retry from the branch that still carries the dropped commit.
    expect(task.attempts[0]!.failure).toMatchObject({ class: 'off_track' });
    expect(task.attempts).toHaveLength(1);
  });

  it('main rewritten and moved on: no automatic rebase keeps the dropped commit (was: rebased, secret kept, ready)', async () => {
    const s = await secretThenAttempt();
    fx = s.fx;
    git(fx.repo.root, 'reset', '-q', '--hard', 'HEAD~1');
    fx.repo.write('other.txt', 'other\n');
    fx.repo.commit('someone lands other work');
    const head = git(s.worktree, 'rev-parse', 'HEAD').trim();
    const r = await runMonitorPass(fx.fleet);
    expect(r.changes.map((c) => c.message).join('\n')).not.toMatch(/rebased onto/);
    const task = await readTask(fx.fleet, 'feat');
    expect(task.state).not.toBe('ready');
    expect(task.gates.rebased!.detail).toMatch(/^base was rewritten: review what changed/);
    expect(git(s.worktree, 'rev-parse', 'HEAD').trim()).toBe(head);
    expect(existsSync(join(s.worktree, 'secret.env'))).toBe(true); // left for the human to review, not hidden by a rebase
  });

  it('main moving forward normally: rebased --onto the new tip, and the recorded base commit follows', async () => {
    fx = await makeFleetFixture({ forge: 'local', checks: [passCheck] });
    const wt = await addRunningTask(fx.fleet, 'fwd');
    agentCommit(wt.worktree, 'mine.txt', 'mine\n', 'my change');
    await setSession(fx.fleet, 'fwd', { state: 'exited', exitCode: 0 });
    fx.repo.write('theirs.txt', 'theirs\n');
    fx.repo.commit('someone else lands');
    const tip = git(fx.repo.root, 'rev-parse', 'main').trim();
    const r = await runMonitorPass(fx.fleet);
    expect(r.changes.map((c) => c.message)).toContain('rebased onto main (1 new commits there, no conflicts)');
    const task = await readTask(fx.fleet, 'fwd');
    expect(task.state).toBe('ready');
    expect(task.attempts[0]!.baseCommit).toBe(tip);
    expect(git(wt.worktree, 'log', '--format=%s', `${tip}..HEAD`).trim()).toBe('my change');
  });
});
