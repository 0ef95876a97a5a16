import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../engine/index.js';
import type { MonitorChange } from '../engine/index.js';
import { startMonitor } from '../engine/index.js';
import { commitInLatest, failLatest, startFirstAttempt } from '../test-support/recovery-attempts.js';
import { makeTempRepo, runCli, type TempRepo } from '../test-support/temp-repo.js';

let repo: TempRepo;
let fleet: Fleet;
afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
});

/** A repository (pty runtime) with one task whose attempt 1 failed its CI. */
async function ciFailedTask(recovery: Record<string, unknown> = {}, notify: Record<string, unknown> = {}) {
  repo = makeTempRepo({
    runtime: 'pty',
    forge: 'local',
    notify: { bell: false, desktop: false, ...notify },
    profiles: { noop: { command: ['node', '-e', ''], appendContext: 'prompt', hooks: 'none' } },
    recovery: { maxAttempts: 3, ...recovery },
  });
  fleet = await createFleet({ cwd: repo.root });
  await fleet.dispatch({ type: 'task.add', input: { title: 'Fix math', prompt: 'p', id: 'fix-math', agent: 'noop' } });
  await startFirstAttempt(fleet, 'fix-math');
  await commitInLatest(fleet, 'fix-math', 'src/math.ts', 'export const a = 1;\n');
  await failLatest(fleet, 'fix-math', 'ci_failed', 'test failed', { name: 'test', log: '--- FAIL: TestDivide (0.00s)\nFAIL\n' });
}

describe('automatic recovery in monitor passes', () => {
  it('a one-shot check on the pty runtime does not start a retry it would kill on exit, and says so', async () => {
    await ciFailedTask();
    const r = await runCli(repo.root, ['check', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const changes = JSON.parse(r.stdout).changes as MonitorChange[];
    expect(changes).toContainEqual(expect.objectContaining({ taskId: 'fix-math', attempt: 1, what: 'retry', message: expect.stringContaining('not started here') }));
    const task = (await fleet.registry.read()).tasks[0]!;
    expect(task.state).toBe('failed');
    expect(task.attempts).toHaveLength(1);
  });

  it('a running loop (watch, TUI) on the pty runtime retries, and the retry is a change of the pass', async () => {
    await ciFailedTask();
    const seen: MonitorChange[] = [];
    const retried = new Promise<void>((resolve) => {
      fleet.events.on((e) => {
        if (e.type !== 'monitor.change') return;
        seen.push(e.change);
        if (e.change.what === 'retry') resolve();
      });
    });
    startMonitor(fleet);
    await retried;
    await fleet.monitor.stop();
    expect(seen.find((c) => c.what === 'retry')).toMatchObject({
      taskId: 'fix-math',
      attempt: 2,
      message: expect.stringMatching(/^retried as attempt 2 from flotilla\/fix-math-a1 \(ci_failed; told: failing-checks, failing-tests, check-logs\): started/),
    });
    expect((await fleet.registry.read()).tasks[0]!.attempts).toHaveLength(2);
  });

  it('an escalation by the check pass is listed under changed as well as under needs you', async () => {
    await ciFailedTask({ maxAttempts: 1 });
    const r = await runCli(repo.root, ['check']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('changed:\n  fix-math (attempt 1): escalated: 1 of 1 attempts used (recovery.maxAttempts) (notified)\n');
    expect(r.stdout).toContain('needs you:\n  fix-math: escalated: 1 of 1 attempts used (recovery.maxAttempts)');
  });
});

describe('escalation by hand (flotilla retry past the cap)', () => {
  it('goes to notify.command like an automatic one, exactly once', async () => {
    const out = join(await import('node:os').then((os) => os.tmpdir()), `flotilla-notified-${process.pid}-${Date.now()}.jsonl`);
    const append = [process.execPath, '-e', `require('fs').appendFileSync(${JSON.stringify(out)}, require('fs').readFileSync(0) + '\\n')`];
    await ciFailedTask({ maxAttempts: 1, auto: [] }, { command: append });
    const r = await runCli(repo.root, ['retry', 'fix-math']);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('fix-math escalated: 1 of 1 attempts used (recovery.maxAttempts)');
    expect((await runCli(repo.root, ['check'])).code).toBe(3);
    expect((await runCli(repo.root, ['retry', 'fix-math'])).code).toBe(3);
    const sent = existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
    rmSync(out, { force: true });
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ event: 'escalated', task: 'fix-math', attempt: 1, summary: 'fix-math escalated: 1 of 1 attempts used (recovery.maxAttempts)' });
    // Every attempt and why it failed, for the human who gets only this message.
    expect(sent[0].details).toMatch(/^attempt 1 \(from main, branch flotilla\/fix-math-a1\): ci_failed: /);
  });
});
