import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, setSession, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { git } from '../../test-support/temp-repo.js';
import { runMonitorPass } from '../monitor/index.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

// The check fails when a.txt and b.txt are both present: alpha and bravo are each fine alone.
const CHECK = "const fs = require('fs'); if (fs.existsSync('a.txt') && fs.existsSync('b.txt')) { console.error('a and b clash'); process.exit(1); }";

describe('merge train (local forge)', () => {
  it('merges three in order; the second fails its checks on the new base, goes to recovery naming the first, the third waits', async () => {
    fx = await makeFleetFixture({ forge: 'local', runtime: 'pty', checks: [{ name: 'test', command: ['node', '-e', CHECK] }] });
    const { fleet } = fx;
    for (const [id, file] of [['alpha', 'a.txt'], ['bravo', 'b.txt'], ['charlie', 'c.txt']] as const) {
      const wt = await addRunningTask(fleet, id);
      agentCommit(wt.worktree, file, `${id}\n`);
      await setSession(fleet, id, { state: 'idle', pid: process.pid });
    }
    await runMonitorPass(fleet);
    await runMonitorPass(fleet);
    for (const id of ['alpha', 'bravo', 'charlie']) {
      expect((await readTask(fleet, id)).state, id).toBe('ready');
      // The agents are done and gone (a retry may then start a new one).
      await setSession(fleet, id, { state: 'exited', pid: null, exitCode: 0 });
    }

    const result = await fleet.dispatch({ type: 'task.merge', ids: ['alpha', 'bravo', 'charlie'] });
    expect(result.steps.map((s) => [s.taskId, s.outcome])).toEqual([['alpha', 'merged'], ['bravo', 'failed'], ['charlie', 'skipped']]);
    expect(result.stoppedAt).toBe('bravo');
    expect(result.steps[1]!.detail).toMatch(/^checks failed on main after alpha was merged: test failed: exit 1: a and b clash; retried as attempt 2/);

    expect(git(fx.repo.root, 'show', 'main:a.txt')).toBe('alpha\n');
    expect(git(fx.repo.root, 'ls-tree', '--name-only', 'main')).not.toMatch(/b\.txt|c\.txt/);
    const bravo = await readTask(fleet, 'bravo');
    expect(bravo.attempts[0]!.failure).toMatchObject({ class: 'ci_failed', sibling: 'alpha' });
    // Recovery took it: a second attempt, continuing from the updated branch, told what failed.
    expect(bravo.attempts).toHaveLength(2);
    expect(bravo.attempts[1]!.enrichment!.text).toMatch(/a and b clash/);
    expect(bravo.attempts[1]!.enrichment!.text).toMatch(/alpha/);
    const charlie = await readTask(fleet, 'charlie');
    expect(charlie.state).toBe('ready');
    expect(charlie.pr!.state).toBe('open');
  });

  it('a conflict stops the train and names the sibling that changed those lines, not just the last merged', async () => {
    fx = await makeFleetFixture({ forge: 'local', runtime: 'pty', recovery: { auto: [] } });
    const { fleet } = fx;
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i}`);
    fx.repo.write('list.txt', `${lines.join('\n')}\n`);
    fx.repo.commit('list');
    const edit = (at: number, text: string) => `${lines.map((l, k) => (k === at ? text : l)).join('\n')}\n`;
    for (const [id, at] of [['one', 0], ['three', 9], ['two', 0]] as const) {
      const wt = await addRunningTask(fleet, id);
      agentCommit(wt.worktree, 'list.txt', edit(at, id));
      await setSession(fleet, id, { state: 'idle', pid: process.pid });
    }
    await runMonitorPass(fleet);
    await runMonitorPass(fleet);
    const result = await fleet.dispatch({ type: 'task.merge', ids: ['one', 'three', 'two'] });
    expect(result.steps.map((s) => [s.taskId, s.outcome])).toEqual([['one', 'merged'], ['three', 'merged'], ['two', 'failed']]);
    expect(result.steps[2]!.detail).toMatch(/^conflicts with main after one was merged in list\.txt/);
    const two = await readTask(fleet, 'two');
    expect(two.state).toBe('failed');
    expect(two.attempts[0]!.failure).toMatchObject({ class: 'conflicts', sibling: 'one' });
    expect(git(fx.repo.root, 'show', 'main:list.txt')).toMatch(/^one\n[\s\S]*three\n$/);
  });

  it('refuses a task that is not ready, and merges nothing', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    await addRunningTask(fx.fleet, 'busy');
    await expect(fx.fleet.dispatch({ type: 'task.merge', ids: ['busy'] })).rejects.toThrow(/task busy has no open PR/);
  });
});
