import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFakeGh, ghPr } from '../../test-support/fake-gh.js';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, setSession, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { git } from '../../test-support/temp-repo.js';
import { runMonitorPass } from '../monitor/index.js';
import { createGithubForge } from './github.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

async function finishedTask(fixtures: Record<string, unknown>) {
  fx = await makeFleetFixture({ forge: 'github', gates: ['pr', 'ci'] });
  fx.repo.write('.flotilla/pr-template.md', '## Summary\n\n## Testing\n');
  const origin = join(fx.repo.dir, 'origin.git');
  git(fx.repo.dir, 'init', '-q', '--bare', origin);
  git(fx.repo.root, 'remote', 'add', 'origin', origin);
  const ghDir = join(fx.repo.dir, 'fake-gh');
  const gh = writeFakeGh(ghDir, fixtures);
  const wt = await addRunningTask(fx.fleet, 'gh', 'Task gh');
  agentCommit(wt.worktree, 'f.txt', 'f\n', 'feature f');
  await setSession(fx.fleet, 'gh', { state: 'idle', pid: process.pid });
  const calls = () => readFileSync(join(ghDir, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { args: string[]; stdin: string });
  return { forge: createGithubForge({ gh }), origin, calls, wt };
}

describe('github forge (fake gh on fixtures)', () => {
  it('pushes, creates the PR from the template when the agent did not, reads checks and the failed log', async () => {
    const { forge, origin, calls } = await finishedTask({
      'pr-list.json': [],
      'pr-list-after-create.json': [ghPr()],
      'checks.json': [
        { name: 'build', state: 'SUCCESS', bucket: 'pass', link: 'https://github.com/acme/app/actions/runs/776/job/1' },
        { name: 'test', state: 'FAILURE', bucket: 'fail', link: 'https://github.com/acme/app/actions/runs/777/job/2' },
      ],
      'checks-exit': '1',
      'run-log.txt': 'test\tRun npm test\nFAIL src/app.test.js\n  expected 2, received 3\n',
    });
    const r = await runMonitorPass(fx!.fleet, { forge });
    expect(git(origin, 'rev-parse', 'flotilla/gh-a1').trim()).toBe(git(fx!.repo.root, 'rev-parse', 'flotilla/gh-a1').trim());
    const argv = calls().map((c) => c.args.slice(0, 2).join(' '));
    expect(argv).toEqual(['auth status', 'pr list', 'pr create', 'pr list', 'pr checks', 'run view']);
    const create = calls()[2]!;
    expect(create.args).toEqual(['pr', 'create', '--head', 'flotilla/gh-a1', '--base', 'main', '--title', 'Task gh', '--body-file', '-']);
    expect(create.stdin).toContain('## Testing');
    expect(calls()[5]!.args).toEqual(['run', 'view', '777', '--log-failed']);
    const task = await readTask(fx!.fleet, 'gh');
    expect(task.pr).toMatchObject({ forge: 'github', number: 42, url: 'https://github.com/acme/app/pull/42', state: 'open' });
    expect(task.state).toBe('failed');
    expect(task.attempts[0]!.failure!.class).toBe('ci_failed');
    expect(task.attempts[0]!.failure!.evidence).toContain('expected 2, received 3');
    expect(readFileSync(join(fx!.repo.root, '.flotilla/runs/gh/1/test.log'), 'utf8')).toContain('FAIL src/app.test.js');
    expect(r.errors).toEqual([]);
  });

  it('uses the PR the agent opened and goes ready when checks pass', async () => {
    const { forge, calls } = await finishedTask({ 'pr-list.json': [ghPr()], 'checks.json': [{ name: 'build', state: 'SUCCESS', bucket: 'pass', link: '' }] });
    await runMonitorPass(fx!.fleet, { forge });
    expect(calls().some((c) => c.args[1] === 'create')).toBe(false);
    expect((await readTask(fx!.fleet, 'gh')).state).toBe('ready');
  });

  it('notices a PR merged on GitHub (squash: no branch commit on base) and stops counting it as needing you', async () => {
    const { calls } = await finishedTask({ 'pr-list.json': [ghPr()], 'checks.json': [{ name: 'build', state: 'SUCCESS', bucket: 'pass', link: '' }] });
    const forge = createGithubForge({ gh: join(fx!.repo.dir, 'fake-gh', 'gh'), refreshMs: 0 });
    let r = await runMonitorPass(fx!.fleet, { forge });
    expect((await readTask(fx!.fleet, 'gh')).state).toBe('ready');
    expect(r.needsHuman).toContainEqual(expect.objectContaining({ taskId: 'gh', why: 'ready' }));
    writeFakeGh(join(fx!.repo.dir, 'fake-gh'), { 'pr-view.json': { number: 42, state: 'MERGED' } });
    r = await runMonitorPass(fx!.fleet, { forge });
    expect(calls().at(-1)!.args).toEqual(['pr', 'view', '42', '--json', 'number,state']);
    const task = await readTask(fx!.fleet, 'gh');
    expect(task.state).toBe('ready');
    expect(task.pr!.state).toBe('merged');
    expect(r.changes.map((c) => c.message)).toContain('PR #42 merged into main');
    expect(r.needsHuman).toEqual([]);
    // Settled: later passes ask GitHub nothing about it.
    const before = calls().length;
    await runMonitorPass(fx!.fleet, { forge });
    expect(calls().length).toBe(before);
  });

  it('a PR closed on GitHub without merging fails the task with that reason, for the human', async () => {
    await finishedTask({ 'pr-list.json': [ghPr()], 'checks.json': [{ name: 'build', state: 'SUCCESS', bucket: 'pass', link: '' }] });
    const forge = createGithubForge({ gh: join(fx!.repo.dir, 'fake-gh', 'gh'), refreshMs: 0 });
    await runMonitorPass(fx!.fleet, { forge });
    writeFakeGh(join(fx!.repo.dir, 'fake-gh'), { 'pr-view.json': { number: 42, state: 'CLOSED' } });
    const r = await runMonitorPass(fx!.fleet, { forge });
    const task = await readTask(fx!.fleet, 'gh');
    expect(task.state).toBe('failed');
    expect(task.reason).toBe('PR #42 was closed without merging');
    expect(task.pr!.state).toBe('closed');
    expect(r.needsHuman).toContainEqual({ taskId: 'gh', why: 'failed', message: 'PR #42 was closed without merging' });
  });

  it('asks GitHub about a ready, unchanged PR at most once per refreshMs', async () => {
    const { calls } = await finishedTask({ 'pr-list.json': [ghPr()], 'checks.json': [{ name: 'build', state: 'SUCCESS', bucket: 'pass', link: '' }] });
    const forge = createGithubForge({ gh: join(fx!.repo.dir, 'fake-gh', 'gh'), refreshMs: 60_000 });
    await runMonitorPass(fx!.fleet, { forge });
    await runMonitorPass(fx!.fleet, { forge });
    const before = calls().length;
    for (let i = 0; i < 3; i++) await runMonitorPass(fx!.fleet, { forge });
    expect(calls().length).toBe(before);
    expect((await readTask(fx!.fleet, 'gh')).state).toBe('ready');
    // A new forge (a one-shot `flotilla check`) asks again.
    await runMonitorPass(fx!.fleet, { forge: createGithubForge({ gh: join(fx!.repo.dir, 'fake-gh', 'gh') }) });
    expect(calls().slice(before).map((c) => c.args.slice(0, 2).join(' '))).toEqual(['pr view', 'pr checks']);
  });

  it('gh pr view output that is not the JSON we expect is reported, not trusted', async () => {
    await finishedTask({ 'pr-list.json': [ghPr()], 'checks.json': [{ name: 'build', state: 'SUCCESS', bucket: 'pass', link: '' }] });
    const forge = createGithubForge({ gh: join(fx!.repo.dir, 'fake-gh', 'gh'), refreshMs: 0 });
    await runMonitorPass(fx!.fleet, { forge });
    writeFakeGh(join(fx!.repo.dir, 'fake-gh'), { 'pr-view.json': { number: 42, state: 'DRAFTED' } });
    const r = await runMonitorPass(fx!.fleet, { forge });
    expect(r.needsHuman.find((h) => h.why === 'degraded')?.message).toMatch(/^gh pr view printed unexpected JSON \(state: /);
    expect((await readTask(fx!.fleet, 'gh')).pr!.state).toBe('open');
  });

  it('gh not logged in (exit 4) is a degraded state with a clear message, not a crash; nothing is pushed', async () => {
    const { forge, origin } = await finishedTask({ 'auth-exit': '4' });
    const r = await runMonitorPass(fx!.fleet, { forge });
    expect(r.errors).toEqual([]);
    expect(r.needsHuman).toContainEqual({ taskId: 'gh', why: 'degraded', message: 'gh is not logged in: run gh auth login; nothing was pushed' });
    expect(git(origin, 'for-each-ref').trim()).toBe('');
    const task = await readTask(fx!.fleet, 'gh');
    expect(task.state).toBe('checking');
    expect(task.gates.pr).toMatchObject({ state: 'pending' });
  });

  it('gh missing is degraded too', async () => {
    await finishedTask({});
    const r = await runMonitorPass(fx!.fleet, { forge: createGithubForge({ gh: join(fx!.repo.dir, 'no-such-gh') }) });
    expect(r.needsHuman.find((h) => h.why === 'degraded')?.message).toMatch(/^gh is not installed/);
  });

  it('output that is not the JSON we expect is reported, not trusted', async () => {
    const { forge } = await finishedTask({ 'pr-list.json': [{ number: 'forty-two', url: 5 }] });
    let r = await runMonitorPass(fx!.fleet, { forge });
    expect(r.needsHuman.find((h) => h.why === 'degraded')?.message).toMatch(/^gh pr list printed unexpected JSON \(0\.number: /);
    expect((await readTask(fx!.fleet, 'gh')).pr).toBeNull();
    writeFakeGh(join(fx!.repo.dir, 'fake-gh'), { 'raw-pr-list.txt': 'Welcome to GitHub CLI!' });
    r = await runMonitorPass(fx!.fleet, { forge });
    expect(r.needsHuman.find((h) => h.why === 'degraded')?.message).toBe('gh pr list did not print JSON: Welcome to GitHub CLI!');
  });
});
