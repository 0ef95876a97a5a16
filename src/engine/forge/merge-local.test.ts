import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, setSession, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { git } from '../../test-support/temp-repo.js';
import { runMonitorPass } from '../monitor/index.js';
import { mergeLocalPr } from './merge-local.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

describe('mergeLocalPr', () => {
  it('lands a ready PR into base; a second task touching the same lines then conflicts', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const a = await addRunningTask(fx.fleet, 'first');
    const b = await addRunningTask(fx.fleet, 'second');
    agentCommit(a.worktree, 'src/app.js', 'export const a = 10;\n');
    agentCommit(b.worktree, 'src/app.js', 'export const a = 20;\n');
    await setSession(fx.fleet, 'first', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet);
    expect((await readTask(fx.fleet, 'first')).state).toBe('ready');

    const merged = await mergeLocalPr(fx.fleet, 'first');
    expect(merged).toMatchObject({ number: 1, base: 'main' });
    expect(git(fx.repo.root, 'log', '-1', '--format=%s', 'main').trim()).toBe('Merge PR #1: Task first');
    expect(git(fx.repo.root, 'show', 'main:src/app.js')).toBe('export const a = 10;\n');
    expect((await readTask(fx.fleet, 'first')).pr!.state).toBe('merged');

    await setSession(fx.fleet, 'second', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet);
    const second = await readTask(fx.fleet, 'second');
    expect(second.state).toBe('failed');
    expect(second.attempts[0]!.failure).toMatchObject({ class: 'conflicts', evidence: 'gate rebased: conflicts with main in src/app.js' });
    await expect(mergeLocalPr(fx.fleet, 'second')).rejects.toThrow('PR #2 conflicts with main in src/app.js');
  });

  it('merges into a base that is not checked out without touching the main checkout', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const t = await addRunningTask(fx.fleet, 'side');
    agentCommit(t.worktree, 'side.txt', 'side\n');
    await setSession(fx.fleet, 'side', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet);
    git(fx.repo.root, 'checkout', '-q', '-b', 'elsewhere');
    const r = await mergeLocalPr(fx.fleet, 'side');
    expect(git(fx.repo.root, 'rev-parse', 'main').trim()).toBe(r.sha);
    expect(git(fx.repo.root, 'show', 'main:side.txt')).toBe('side\n');
    expect(git(fx.repo.root, 'status', '--porcelain')).toBe('');
  });
});
