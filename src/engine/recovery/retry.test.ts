import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFleet, type Fleet } from '../fleet/index.js';
import { git, makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { commitInLatest, failLatest, markPendingRunning, startFirstAttempt, withoutTaskStart } from '../../test-support/recovery-attempts.js';
import { claimNotification, type EscalationNotice, type EscalationNotifier } from './escalate.js';
import { autoRetryPass } from './auto-retry.js';
import { retryTask } from './retry.js';
import { transition } from '../tasks/index.js';

const VITEST_LOG = readFileSync(join(import.meta.dirname, 'fixtures', 'vitest-plain.txt'), 'utf8');

let repo: TempRepo;
let fleet: Fleet;

async function setup(recovery: Record<string, unknown> = {}) {
  repo = makeTempRepo({
    recovery: { maxAttempts: 3, maxCiRounds: 2, ...recovery },
    profiles: { noop: { command: ['node', '-e', ''], appendContext: 'prompt', hooks: 'none' } },
  });
  fleet = withoutTaskStart(await createFleet({ cwd: repo.root }));
  await fleet.dispatch({ type: 'task.add', input: { title: 'Fix math', prompt: 'fix the math', id: 'fix-math', tags: ['math'], agent: 'noop' } });
  await startFirstAttempt(fleet, 'fix-math');
  await commitInLatest(fleet, 'fix-math', 'src/math.ts', 'export const one = 1;\n');
}

afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
});

const read = async () => (await fleet.registry.read()).tasks.find((t) => t.id === 'fix-math')!;

describe('retryTask', () => {
  it('ci_failed: attempt 2 starts from attempt 1 branch, pending, enriched with the failing tests; attempt 1 kept', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'ci_failed', 'check test failed', { name: 'test', log: VITEST_LOG });
    const result = await retryTask(fleet, 'fix-math');
    expect(result).toMatchObject({ outcome: 'retried', attempt: 2, startPoint: 'flotilla/fix-math-a1', class: 'ci_failed', started: false });
    const task = await read();
    expect(task.state).toBe('queued');
    const [a1, a2] = task.attempts;
    expect(a1!.state).toBe('failed');
    expect(a2!.state).toBe('pending');
    expect(a2!.enrichment!.kinds).toEqual(['failing-checks', 'failing-tests', 'check-logs']);
    expect(a2!.enrichment!.text).toContain('src/math.test.ts > math > nested group > rounds half up');
    expect(existsSync(a1!.worktree)).toBe(true);
    expect(existsSync(join(a2!.worktree, 'src', 'math.ts'))).toBe(true);
    expect(git(a2!.worktree, 'rev-parse', 'HEAD')).toBe(git(repo.root, 'rev-parse', 'flotilla/fix-math-a1'));
  });

  it('is the task.retry command of the fleet', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    const result = await fleet.dispatch({ type: 'task.retry', id: 'fix-math', note: 'try again' });
    expect(result).toMatchObject({ outcome: 'retried', attempt: 2, kinds: ['note', 'crash'] });
    expect((await read()).attempts[1]!.enrichment?.note).toBe('try again');
    expect(fleet.store.getState().tasks.find((t) => t.id === 'fix-math')?.attempts).toHaveLength(2);
    const same = await fleet.dispatch({ type: 'task.diff', id: 'fix-math' });
    expect(same.text).toBe('fix-math: attempt 1 (flotilla/fix-math-a1) -> attempt 2 (flotilla/fix-math-a2)\n(no difference)');
    await commitInLatest(fleet, 'fix-math', 'src/math.ts', 'export const one = 2;\n');
    const d = await fleet.dispatch({ type: 'task.diff', id: 'fix-math', a: 1, b: 2 });
    expect(d.text).toContain('src/math.ts | 2 +-');
    expect(d.text).toContain('+export const one = 2;');
  });

  it('off_track with a note starts again from base', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'no_progress', 'idle');
    const r = await retryTask(fleet, 'fix-math', { class: 'off_track', note: 'The requirement is X, not Y' });
    expect(r).toMatchObject({ outcome: 'retried', startPoint: 'main', class: 'off_track', kinds: ['note'] });
    const a2 = (await read()).attempts[1]!;
    expect(existsSync(join(a2.worktree, 'src', 'math.ts'))).toBe(false);
    expect(a2.enrichment?.note).toBe('The requirement is X, not Y');
    expect((a2 as { interventions?: unknown }).interventions).toEqual([{ at: expect.any(String), kind: 'retry-note' }]);
    expect((await read()).attempts[0]!.failure).toMatchObject({ class: 'off_track', evidence: 'The requirement is X, not Y' });
  });

  it('refuses while the agent runs, and a file scope outside the worktree', async () => {
    await setup();
    await fleet.registry.updateTask('fix-math', (t) => {
      t.attempts[0]!.session = { state: 'working', pid: process.pid, since: new Date().toISOString() };
    });
    await expect(retryTask(fleet, 'fix-math', {})).rejects.toThrow('stop it first: flotilla stop fix-math');
    await fleet.registry.updateTask('fix-math', (t) => {
      t.attempts[0]!.session!.state = 'exited';
    });
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    await expect(retryTask(fleet, 'fix-math', { files: ['../../etc/passwd'] })).rejects.toThrow(/outside the task's worktree/);
    expect((await read()).attempts).toHaveLength(1);
    await expect(retryTask(fleet, 'nope', {})).rejects.toThrow('no task "nope"');
  });

  it('starts the new attempt through the startAttempt port when the fleet passes one', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    const startAttempt = vi.fn(async (_id: string) => undefined);
    const r = await retryTask(fleet, 'fix-math', {}, { startAttempt });
    expect(startAttempt).toHaveBeenCalledWith('fix-math');
    expect(r).toMatchObject({ outcome: 'retried', started: true, startPoint: 'flotilla/fix-math-a1' });
  });

  it('past maxAttempts: escalated with a summary of every attempt, notified exactly once', async () => {
    await setup({ maxAttempts: 2, maxCiRounds: 5 });
    const notices: EscalationNotice[] = [];
    // Shaped like notify's notifyOnce: claim the key under the registry lock, send only when new.
    const notify: EscalationNotifier = async (ctx, n) => {
      if (!(await claimNotification(ctx, n.taskId, `escalated#${n.attempt}`))) return false;
      notices.push(n);
      return true;
    };
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    expect((await retryTask(fleet, 'fix-math', {}, { notify })).outcome).toBe('retried');
    await markPendingRunning(fleet, 'fix-math');
    await failLatest(fleet, 'fix-math', 'no_progress', 'idle for 10 minutes with no commits');
    const r = await retryTask(fleet, 'fix-math', {}, { notify });
    expect(r).toMatchObject({ outcome: 'escalated', attempt: 2, notified: true });
    expect(await retryTask(fleet, 'fix-math', {}, { notify })).toMatchObject({ outcome: 'escalated', notified: false });
    expect(await autoRetryPass(fleet, { notify })).toEqual([]);
    expect(notices).toHaveLength(1);
    const task = await read();
    expect(task.state).toBe('escalated');
    expect(task.attempts).toHaveLength(2);
    expect(Object.keys(task.notified)).toEqual(['escalated#2']);
    expect(notices[0]!.summary).toMatch(/attempt 1 \(from main.*crashed: exit 1\nattempt 2 .*no_progress: idle/);
    expect(task.reason).toContain('2 of 2 attempts used');
  });

  it('past maxCiRounds: escalated before maxAttempts', async () => {
    await setup({ maxAttempts: 5, maxCiRounds: 2 });
    await failLatest(fleet, 'fix-math', 'ci_failed', 'test failed');
    await retryTask(fleet, 'fix-math');
    await markPendingRunning(fleet, 'fix-math');
    await failLatest(fleet, 'fix-math', 'ci_failed', 'test failed again');
    expect((await retryTask(fleet, 'fix-math')).outcome).toBe('retried');
    await markPendingRunning(fleet, 'fix-math');
    await failLatest(fleet, 'fix-math', 'ci_failed', 'test failed a third time');
    const r = await retryTask(fleet, 'fix-math');
    expect(r).toMatchObject({ outcome: 'escalated', attempt: 3, reason: 'CI failed 3 times; recovery.maxCiRounds allows 2 retries after CI failures' });
    expect(fleet.store.getState().notifications.map((n) => n.kind)).toEqual(['escalated']);
    expect((await retryTask(fleet, 'fix-math', { force: true })).outcome).toBe('retried');
  });
});

describe('edge cases', () => {
  it('a failing setup command leaves no half-made attempt; the next retry bootstraps again', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    const marker = join(repo.dir, 'setup-ran');
    const failing = { ...fleet, config: { ...fleet.config, bootstrap: { copy: [], setup: [['node', '-e', 'process.exit(3)']] } } };
    await expect(retryTask(failing, 'fix-math')).rejects.toThrow(/exit 3/);
    expect((await read()).attempts).toHaveLength(1);
    expect(git(repo.root, 'branch', '--list', 'flotilla/fix-math-a2')).toBe('');
    const working = { ...fleet, config: { ...fleet.config, bootstrap: { copy: [], setup: [['node', '-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x')`]] } } };
    expect((await retryTask(working, 'fix-math')).outcome).toBe('retried');
    expect(existsSync(marker)).toBe(true);
  });

  it('a stopped task past its cap is escalated through failed', async () => {
    await setup({ maxAttempts: 1 });
    await fleet.registry.updateTask('fix-math', (t) => {
      t.attempts[0]!.state = 'stopped';
      transition(t, 'stopped');
    });
    const r = await retryTask(fleet, 'fix-math');
    expect(r).toMatchObject({ outcome: 'escalated', reason: '1 of 1 attempts used (recovery.maxAttempts)' });
    const task = await read();
    expect(task.state).toBe('escalated');
    expect(task.history.map((h) => h.to).slice(-2)).toEqual(['failed', 'escalated']);
  });
});

describe('concurrent retries', () => {
  it('two retries at once make one attempt; two automatic passes at once make one and report no error', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    const settled = await Promise.allSettled([retryTask(fleet, 'fix-math'), retryTask(fleet, 'fix-math')]);
    expect(settled.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = settled.find((s) => s.status === 'rejected') as PromiseRejectedResult;
    expect(String(rejected.reason)).toMatch(/already in progress|already pending/);
    expect((await read()).attempts).toHaveLength(2);

    await markPendingRunning(fleet, 'fix-math');
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1 again');
    const errors: string[] = [];
    fleet.events.on((e) => void (e.type === 'error' && errors.push(e.message)));
    const [a, b] = await Promise.all([autoRetryPass(fleet), autoRetryPass(fleet)]);
    expect([...a!, ...b!]).toHaveLength(1);
    expect(errors).toEqual([]);
    expect((await read()).attempts).toHaveLength(3);
  });

  it('a stopped task retried with nothing to add gets no enrichment and continues its branch', async () => {
    await setup();
    await fleet.registry.updateTask('fix-math', (t) => {
      t.attempts[0]!.state = 'stopped';
      transition(t, 'stopped');
    });
    const r = await retryTask(fleet, 'fix-math');
    expect(r).toMatchObject({ outcome: 'retried', class: null, kinds: [], startPoint: 'flotilla/fix-math-a1' });
    expect((await read()).attempts[1]!.enrichment).toBeNull();
  });
});

describe('autoRetryPass', () => {
  it('retries failed tasks whose class is automatic and leaves the rest to the human', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'off_track', 'human said so');
    expect(await autoRetryPass(fleet)).toEqual([]);
    expect((await read()).state).toBe('failed');
    await failLatest(fleet, 'fix-math', 'conflicts', 'conflicts with main: src/math.ts');
    const [r] = await autoRetryPass(fleet);
    expect(r).toMatchObject({ outcome: 'retried', class: 'conflicts', kinds: ['conflicts'] });
    expect((await read()).attempts[1]!.enrichment!.text).toContain('git rebase main');
    expect(await autoRetryPass(fleet)).toEqual([]);
  });

  it('records context_exhausted behind a crash and leaves the task to the human', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    mkdirSync(join(fleet.paths.logsDir, 'fix-math'), { recursive: true });
    writeFileSync(join(fleet.paths.logsDir, 'fix-math', '1.log'), "working\n\u001b[31m■ Codex ran out of room in the model's context window.\u001b[0m\n");
    expect(await autoRetryPass(fleet)).toEqual([]);
    const task = await read();
    expect(task.state).toBe('failed');
    expect(task.attempts).toHaveLength(1);
    expect(task.attempts[0]!.failure).toMatchObject({ class: 'context_exhausted', evidence: expect.stringContaining('ran out of room') });
    const r = await retryTask(fleet, 'fix-math');
    expect(r).toMatchObject({ class: 'context_exhausted', kinds: ['context-budget'], startPoint: 'flotilla/fix-math-a1' });
  });
});

describe('automatic retry of an attempt whose interactive agent is still alive', () => {
  function fakeSessions(state: 'idle' | 'working') {
    const stopped: string[] = [];
    let alive = true;
    const sessions = {
      runtime: 'pty' as const,
      isAlive: async () => alive,
      status: () => state,
      stop: async (id: string) => {
        stopped.push(id);
        alive = false;
      },
    } as unknown as NonNullable<Fleet['sessions']>;
    return { sessions, stopped };
  }

  it('stops an idle agent and retries; leaves a working one alone; a human retry still refuses', async () => {
    await setup();
    await failLatest(fleet, 'fix-math', 'ci_failed', 'test failed', { name: 'test', log: 'FAILED t.py::test_x - boom\n' });
    const working = fakeSessions('working');
    expect(await autoRetryPass({ ...fleet, sessions: working.sessions })).toEqual([]);
    expect(working.stopped).toEqual([]);
    const idle = fakeSessions('idle');
    await expect(retryTask({ ...fleet, sessions: idle.sessions }, 'fix-math')).rejects.toThrow('stop it first');
    const [r] = await autoRetryPass({ ...fleet, sessions: idle.sessions });
    expect(r).toMatchObject({ outcome: 'retried', attempt: 2, class: 'ci_failed' });
    expect(idle.stopped).toEqual(['fix-math']);
    expect((await read()).reason).toContain('the idle agent of attempt 1 was stopped');
  });

  it('escalation leaves the idle agent running for the human', async () => {
    await setup({ maxAttempts: 1 });
    await failLatest(fleet, 'fix-math', 'no_progress', 'idle with no commits');
    const idle = fakeSessions('idle');
    const [r] = await autoRetryPass({ ...fleet, sessions: idle.sessions });
    expect(r).toMatchObject({ outcome: 'escalated' });
    expect(idle.stopped).toEqual([]);
  });
});
