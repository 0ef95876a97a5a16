import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

const node = process.execPath;
const passCheck = { name: 'lint', command: [node, '-e', 'console.log("lint ok")'], timeoutSec: 30 };

describe('runMonitorPass (local forge, real git)', () => {
  it('takes a finished agent with clean commits to ready: PR from the template, checks logged 0600, notified once', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'flotilla-notify-'));
    const out = join(scratch, 'notified.jsonl');
    fx = await makeFleetFixture({
      forge: 'local',
      checks: [passCheck],
      notify: { command: [node, '-e', `require('fs').appendFileSync(${JSON.stringify(out)}, require('fs').readFileSync(0))`], desktop: false },
    });
    fx.repo.write('.flotilla/pr-template.md', '## Summary\n\n## Testing\n');
    const wt = await addRunningTask(fx.fleet, 'clean');
    agentCommit(wt.worktree, 'feature.txt', 'done\n', 'add feature');
    await setSession(fx.fleet, 'clean', { state: 'working', pid: process.pid });

    let r = await runMonitorPass(fx.fleet);
    expect(r.changes).toEqual([]);
    expect((await readTask(fx.fleet, 'clean')).state).toBe('running');

    await setSession(fx.fleet, 'clean', { state: 'idle', pid: process.pid });
    r = await runMonitorPass(fx.fleet);
    const task = await readTask(fx.fleet, 'clean');
    expect(task.state).toBe('ready');
    expect(task.history.map((h) => h.to)).toEqual(['checking', 'ready']);
    expect(task.pr).toMatchObject({ forge: 'local', number: 1, title: 'Task clean', branch: 'flotilla/clean-a1', base: 'main', state: 'open' });
    expect(task.pr!.body).toContain('## Summary');
    expect(task.pr!.body).toContain('## Testing');
    expect(task.pr!.body).toContain('add feature');
    expect(task.pr!.diffstat).toContain('feature.txt');
    expect(task.pr!.commits.map((c) => c.subject)).toEqual(['add feature']);
    expect(task.gates).toMatchObject({ pr: { state: 'pass' }, rebased: { state: 'pass' }, ci: { state: 'pass' }, reviews: { state: 'skip', detail: 'reviews not available' } });
    const log = join(fx.repo.root, '.flotilla/runs/clean/1/lint.log');
    expect(readFileSync(log, 'utf8')).toBe('lint ok\n');
    expect(statSync(log).mode & 0o777).toBe(0o600);
    expect(r.needsHuman).toEqual([{ taskId: 'clean', why: 'ready', message: 'PR #1 ready for review' }]);
    expect(task.notified['ready#1']).toBeTruthy();

    const again = await runMonitorPass(fx.fleet);
    expect(again.changes).toEqual([]);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'ready', task: 'clean', title: 'Task clean', attempt: 1, pr: { number: 1, forge: 'local' } });
    rmSync(scratch, { recursive: true, force: true });
  });

  it('a failing check fails the task with ci_failed and the check output as evidence', async () => {
    fx = await makeFleetFixture({ forge: 'local', checks: [passCheck, { name: 'test', command: [node, '-e', 'console.log("1 test failed: expected 2"); process.exit(1)'], timeoutSec: 30 }] });
    const wt = await addRunningTask(fx.fleet, 'red');
    agentCommit(wt.worktree, 'x.txt', 'x\n');
    await setSession(fx.fleet, 'red', { state: 'exited', pid: null, exitCode: 0 });
    const r = await runMonitorPass(fx.fleet);
    const task = await readTask(fx.fleet, 'red');
    expect(task.state).toBe('failed');
    expect(task.attempts[0]!.failure).toMatchObject({ class: 'ci_failed' });
    expect(task.attempts[0]!.failure!.evidence).toContain('1 test failed: expected 2');
    expect(task.attempts[0]!.ciRounds).toBe(1);
    expect(task.gates.ci).toMatchObject({ state: 'fail' });
    expect(task.pr!.checks.map((c) => [c.name, c.state])).toEqual([['lint', 'pass'], ['test', 'fail']]);
    expect(r.changes.some((c) => c.what === 'failure' && c.message.startsWith('ci_failed'))).toBe(true);
    // Retryable by recovery: not for the human.
    expect(r.needsHuman).toEqual([]);
  });

  it('conflicts with base fail the rebased gate, naming the files', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const wt = await addRunningTask(fx.fleet, 'clash');
    agentCommit(wt.worktree, 'src/app.js', 'export const a = 2;\n');
    fx.repo.write('src/app.js', 'export const a = 3;\n');
    fx.repo.commit('main moves');
    await setSession(fx.fleet, 'clash', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet);
    const task = await readTask(fx.fleet, 'clash');
    expect(task.state).toBe('failed');
    expect(task.gates.rebased).toMatchObject({ state: 'fail', detail: 'conflicts with main in src/app.js' });
    expect(task.attempts[0]!.failure).toMatchObject({ class: 'conflicts', evidence: 'gate rebased: conflicts with main in src/app.js' });
  });

  it('crashed (exit non-zero), no_progress (no commits, or uncommitted work)', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const a = await addRunningTask(fx.fleet, 'crash');
    agentCommit(a.worktree, 'half.txt', 'half\n');
    await setSession(fx.fleet, 'crash', { state: 'exited', exitCode: 137 });
    await addRunningTask(fx.fleet, 'lazy');
    await setSession(fx.fleet, 'lazy', { state: 'idle', pid: process.pid, since: new Date(Date.now() - 61_000).toISOString() });
    // Idle for a moment only: it may be thinking; no verdict yet.
    await addRunningTask(fx.fleet, 'pause');
    await setSession(fx.fleet, 'pause', { state: 'idle', pid: process.pid });
    const c = await addRunningTask(fx.fleet, 'messy');
    agentCommit(c.worktree, 'one.txt', '1\n');
    writeFileSync(join(c.worktree, 'left-over.txt'), 'not committed\n');
    await setSession(fx.fleet, 'messy', { state: 'exited', exitCode: 0 });
    await runMonitorPass(fx.fleet);
    expect((await readTask(fx.fleet, 'crash')).attempts[0]!.failure).toMatchObject({ class: 'crashed', evidence: 'agent exited with code 137 (1 commit ahead of main)' });
    expect((await readTask(fx.fleet, 'lazy')).attempts[0]!.failure).toMatchObject({ class: 'no_progress', evidence: 'agent is idle with no commits ahead of main' });
    expect((await readTask(fx.fleet, 'pause')).state).toBe('running');
    expect((await readTask(fx.fleet, 'messy')).attempts[0]!.failure).toMatchObject({ class: 'no_progress', evidence: 'agent exited with uncommitted changes: left-over.txt' });
  });

  it('a session whose process vanished without commits is crashed', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    await addRunningTask(fx.fleet, 'gone');
    await setSession(fx.fleet, 'gone', { state: 'working', pid: 2 ** 22 + 12345 });
    await runMonitorPass(fx.fleet);
    expect((await readTask(fx.fleet, 'gone')).attempts[0]!.failure?.class).toBe('crashed');
  });

  it('a deleted worktree or branch marks the task failed with a clear reason, for the human', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const wt = await addRunningTask(fx.fleet, 'lost');
    await setSession(fx.fleet, 'lost', { state: 'working', pid: process.pid });
    git(fx.repo.root, 'worktree', 'remove', '--force', wt.worktree);
    const r = await runMonitorPass(fx.fleet);
    const task = await readTask(fx.fleet, 'lost');
    expect(task.state).toBe('failed');
    expect(task.reason).toBe(`worktree ${wt.worktree} of attempt 1 was deleted`);
    expect(r.needsHuman).toEqual([{ taskId: 'lost', why: 'failed', message: task.reason }]);
  });

  it('an agent waiting for input is reported once as needs-input', async () => {
    fx = await makeFleetFixture({ forge: 'local', notify: { desktop: false } });
    await addRunningTask(fx.fleet, 'ask');
    await setSession(fx.fleet, 'ask', { state: 'waiting', pid: process.pid });
    const seen: string[] = [];
    fx.fleet.events.on((e) => e.type === 'notification' && seen.push(`${e.notification.kind}:${e.notification.taskId}`));
    const r1 = await runMonitorPass(fx.fleet);
    const r2 = await runMonitorPass(fx.fleet);
    expect(seen).toEqual(['needs-input:ask']);
    expect(r1.needsHuman).toEqual([{ taskId: 'ask', why: 'needs-input', message: 'the agent is waiting for input' }]);
    expect(r2.needsHuman).toHaveLength(1);
    expect((await readTask(fx.fleet, 'ask')).state).toBe('running');
  });

  it('a pluggable reviews gate, a screenshots gate on UI paths and a custom command gate', async () => {
    fx = await makeFleetFixture({
      forge: 'local',
      gates: ['pr', 'reviews', { name: 'screenshots', uiGlobs: ['src/ui/**'] }, { name: 'size', command: [node, '-e', 'process.exit(0)'] }],
    });
    const wt = await addRunningTask(fx.fleet, 'ui');
    mkdirSync(join(wt.worktree, 'src/ui'), { recursive: true });
    agentCommit(wt.worktree, 'src/ui/Button.tsx', 'export {}\n');
    await setSession(fx.fleet, 'ui', { state: 'idle', pid: process.pid });
    const passReview = async () => ({ state: 'pass' as const, detail: '2 reviewers agree' });
    await runMonitorPass(fx.fleet, { gates: { reviews: passReview } });
    let task = await readTask(fx.fleet, 'ui');
    expect(task.gates.screenshots).toMatchObject({ state: 'fail' });
    expect(task.gates.screenshots!.detail).toContain('src/ui/Button.tsx');
    expect(task.gates.reviews).toMatchObject({ state: 'pass', detail: '2 reviewers agree' });
    expect(task.gates.size).toMatchObject({ state: 'pass' });
    expect(task.attempts[0]!.failure?.class).toBe('review_flagged');

    // The human adds a screenshot and puts the task back to checking: it passes now.
    mkdirSync(join(fx.repo.root, '.flotilla/screenshots/ui'), { recursive: true });
    writeFileSync(join(fx.repo.root, '.flotilla/screenshots/ui/button.png'), 'png');
    await fx.fleet.registry.updateTask('ui', (t) => {
      t.state = 'checking';
      t.attempts[0]!.failure = null;
    });
    await runMonitorPass(fx.fleet, { gates: { reviews: passReview } });
    task = await readTask(fx.fleet, 'ui');
    expect(task.gates.screenshots).toMatchObject({ state: 'pass' });
    expect(task.state).toBe('ready');
    expect(existsSync(join(fx.repo.root, '.flotilla/runs/ui/1/gate-size.log'))).toBe(true);
  });

  it('an agent that works again after finishing goes back to running; ready goes back to checking when its head moves', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const wt = await addRunningTask(fx.fleet, 'again');
    agentCommit(wt.worktree, 'a.txt', 'a\n');
    await setSession(fx.fleet, 'again', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet);
    expect((await readTask(fx.fleet, 'again')).state).toBe('ready');
    await setSession(fx.fleet, 'again', { state: 'working', pid: process.pid });
    await runMonitorPass(fx.fleet);
    expect((await readTask(fx.fleet, 'again')).state).toBe('running');
    agentCommit(wt.worktree, 'b.txt', 'b\n');
    await setSession(fx.fleet, 'again', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet);
    const task = await readTask(fx.fleet, 'again');
    expect(task.state).toBe('ready');
    expect(task.pr!.number).toBe(1);
    expect(task.pr!.commits).toHaveLength(2);
  });

  it('base moving without conflicts rebases the branch and checks it again; a merged PR leaves the human list', async () => {
    fx = await makeFleetFixture({ forge: 'local', checks: [passCheck] });
    const wt = await addRunningTask(fx.fleet, 'behind');
    agentCommit(wt.worktree, 'mine.txt', 'mine\n', 'my change');
    await setSession(fx.fleet, 'behind', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet);
    expect((await readTask(fx.fleet, 'behind')).state).toBe('ready');
    fx.repo.write('theirs.txt', 'theirs\n');
    fx.repo.commit('someone else lands');
    const r = await runMonitorPass(fx.fleet);
    expect(r.changes.map((c) => c.message)).toContain('rebased onto main (1 new commits there, no conflicts)');
    let task = await readTask(fx.fleet, 'behind');
    expect(task.state).toBe('ready');
    expect(git(wt.worktree, 'merge-base', '--is-ancestor', 'main', 'HEAD')).toBe('');
    expect(task.pr!.headSha).toBe(git(wt.worktree, 'rev-parse', 'HEAD').trim());
    expect(task.attempts[0]!.ciRounds).toBe(2);

    git(fx.repo.root, 'merge', '-q', '--no-ff', '-m', 'merge behind', 'flotilla/behind-a1');
    fx.repo.write('later.txt', 'later\n');
    fx.repo.commit('later');
    const after = await runMonitorPass(fx.fleet);
    task = await readTask(fx.fleet, 'behind');
    expect(task.pr!.state).toBe('merged');
    expect(after.needsHuman).toEqual([]);
  });

  it('a check that hangs is killed at its timeout and fails CI with its last output', async () => {
    fx = await makeFleetFixture({ forge: 'local', checks: [{ name: 'e2e', command: ['sh', '-c', 'echo "waiting for server"; sleep 60'], timeoutSec: 1 }] });
    const wt = await addRunningTask(fx.fleet, 'hang');
    agentCommit(wt.worktree, 'h.txt', 'h\n');
    await setSession(fx.fleet, 'hang', { state: 'exited', exitCode: 0 });
    await runMonitorPass(fx.fleet);
    const task = await readTask(fx.fleet, 'hang');
    expect(task.pr!.checks[0]).toMatchObject({ name: 'e2e', state: 'fail', detail: 'timed out after 1s and was killed: waiting for server' });
    expect(task.attempts[0]!.failure).toMatchObject({ class: 'ci_failed' });
    expect(task.attempts[0]!.failure!.evidence).toContain('waiting for server');
  });
});
