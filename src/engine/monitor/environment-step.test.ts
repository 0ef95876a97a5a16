import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { attemptFiles } from '../core/index.js';
import { addRunningTask, makeFleetFixture, readTask, setSession, type FleetFixture } from '../../test-support/fleet-fixture.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

/** What the agent printed before it stopped, as its pty log holds it. */
function agentLog(f: FleetFixture, id: string, text: string): void {
  const log = attemptFiles(f.fleet.paths, id, 1).log;
  mkdirSync(dirname(log), { recursive: true });
  writeFileSync(log, text.replace(/\n/g, '\r\n'));
}

describe('monitor: environment failures and usage limits (real registry, git, pass)', () => {
  it('not logged in: needs you at once, the CLI quoted, notified once, no automatic retry; retry reuses the attempt', async () => {
    fx = await makeFleetFixture({ forge: 'local', notify: { desktop: false } });
    await addRunningTask(fx.fleet, 'login');
    agentLog(fx, 'login', 'Working…\n\x1b[31m  ⎿  Not logged in · Please run /login\x1b[0m\n');
    await setSession(fx.fleet, 'login', { state: 'exited', exitCode: 1, message: 'exited with code 1' });

    const r = await fx.fleet.monitor.runPass();
    let task = await readTask(fx.fleet, 'login');
    expect(task.state).toBe('failed');
    expect(task.attempts).toHaveLength(1);
    expect(task.attempts[0]!.failure).toMatchObject({ class: 'environment' });
    expect(task.attempts[0]!.failure!.evidence).toBe('not logged in, or the API key was refused: the agent said "⎿  Not logged in · Please run /login"');
    expect(r.needsHuman).toEqual([expect.objectContaining({ taskId: 'login', why: 'environment' })]);
    expect(r.needsHuman[0]!.message).toContain('flotilla retry login');
    expect(Object.keys(task.notified)).toEqual(['environment#1']);

    // Later passes: still one attempt, no second notification, no retry.
    await fx.fleet.monitor.runPass();
    task = await readTask(fx.fleet, 'login');
    expect(task.attempts).toHaveLength(1);
    expect(task.state).toBe('failed');
    expect(Object.keys(task.notified)).toEqual(['environment#1']);

    // After the fix: the same attempt and worktree go on.
    const worktree = task.attempts[0]!.worktree;
    const out = await fx.fleet.dispatch({ type: 'task.retry', id: 'login' });
    expect(out).toMatchObject({ outcome: 'retried', attempt: 1, reused: true });
    task = await readTask(fx.fleet, 'login');
    expect(task.attempts).toHaveLength(1);
    expect(task.attempts[0]!.worktree).toBe(worktree);
    expect(task.attempts[0]!.failure).toBeNull();
    expect(task.history.map((h) => h.to)).toEqual(['failed', 'queued', 'running']);
  });

  it('a usage limit pauses until the reset time, notified once, and resumes the same attempt then', async () => {
    fx = await makeFleetFixture({ forge: 'local', notify: { desktop: false } });
    await addRunningTask(fx.fleet, 'limit');
    agentLog(fx, 'limit', "● Reading files\n  ⎿  You've hit your session limit · resets 3pm (UTC)\n");
    await setSession(fx.fleet, 'limit', { state: 'exited', exitCode: 1 });
    const now = new Date('2026-12-02T10:00:00Z');

    const r = await fx.fleet.monitor.runPass({ now });
    let task = await readTask(fx.fleet, 'limit');
    expect(task.state).toBe('paused');
    expect(task.pause).toMatchObject({ until: '2026-12-02T15:00:00.000Z', named: true, reason: 'plan_limit', attempt: 1 });
    expect(task.reason).toMatch(/^paused until \S+ \(usage limit\): ⎿  You've hit your session limit · resets 3pm \(UTC\)$/);
    expect(task.attempts[0]!.state).toBe('running');
    expect(task.attempts[0]!.failure).toBeNull();
    expect(r.needsHuman).toEqual([]);
    expect(Object.keys(task.notified)).toEqual(['paused#1']);

    await fx.fleet.monitor.runPass({ now: new Date('2026-12-02T14:59:00Z') });
    task = await readTask(fx.fleet, 'limit');
    expect(task.state).toBe('paused');
    expect(Object.keys(task.notified)).toEqual(['paused#1']);

    // At the reset time the agent is gone: the attempt is queued to start again in its worktree.
    const due = await fx.fleet.monitor.runPass({ now: new Date('2026-12-02T15:00:00Z') });
    expect(due.changes.map((c) => c.message)).toContain('paused → queued (resuming attempt 1 after the pause (same worktree))');
    task = await readTask(fx.fleet, 'limit');
    expect(task.attempts).toHaveLength(1);
  });

  it('auto-resume off: the due pause is for the human; overload without a time waits for the backoff', async () => {
    fx = await makeFleetFixture({ forge: 'local', notify: { desktop: false }, recovery: { pause: { autoResume: false, backoffSec: 600 } } });
    await addRunningTask(fx.fleet, 'busy');
    agentLog(fx, 'busy', '● API Error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a moment.\n');
    await setSession(fx.fleet, 'busy', { state: 'exited', exitCode: 1 });
    const now = new Date('2026-12-02T10:00:00Z');
    await fx.fleet.monitor.runPass({ now });
    let task = await readTask(fx.fleet, 'busy');
    expect(task.pause).toMatchObject({ until: '2026-12-02T10:10:00.000Z', named: false, reason: 'overloaded' });
    expect(task.reason).toContain('(API overloaded, no reset time named: backoff 600s)');
    const later = await fx.fleet.monitor.runPass({ now: new Date('2026-12-02T11:00:00Z') });
    task = await readTask(fx.fleet, 'busy');
    expect(task.state).toBe('paused');
    expect(later.needsHuman).toEqual([expect.objectContaining({ taskId: 'busy', why: 'paused' })]);
  });

  it('an ordinary crash is still a crash (retried by recovery)', async () => {
    fx = await makeFleetFixture({ forge: 'local', notify: { desktop: false }, recovery: { auto: [] } });
    await addRunningTask(fx.fleet, 'crash');
    agentLog(fx, 'crash', 'TypeError: cannot read properties of undefined\n');
    await setSession(fx.fleet, 'crash', { state: 'exited', exitCode: 1 });
    await fx.fleet.monitor.runPass();
    expect((await readTask(fx.fleet, 'crash')).attempts[0]!.failure).toMatchObject({ class: 'crashed' });
  });
});
