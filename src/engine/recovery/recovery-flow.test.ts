import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../fleet/index.js';
import { composePrompt } from '../prompt/index.js';
import { transition } from '../tasks/index.js';
import { failLatest, markPendingRunning, startFirstAttempt, withoutTaskStart } from '../../test-support/recovery-attempts.js';
import { git, makeTempRepo, PROJECT_ROOT, type TempRepo } from '../../test-support/temp-repo.js';
import { autoRetryPass } from './auto-retry.js';

/**
 * The recovery loop with the real scripted agent and the real check, real git and the real
 * registry. This test plays the session runtime (compose the prompt, run the agent in the
 * worktree) and the monitor (run the check, record ci_failed or ready); test/e2e/recovery.test.ts
 * runs the same story through task.start and monitor.check once those exist.
 */

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'recovery');
const AGENT = join(FIXTURES, 'scripted-agent.mjs');

let repo: TempRepo;
let fleet: Fleet;
afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
});

async function setup(agentArgs: string[], recovery: Record<string, unknown>) {
  repo = makeTempRepo({
    profiles: { scripted: { command: ['node', AGENT, ...agentArgs, '{promptFile}'], appendContext: 'prompt', hooks: 'none' } },
    checks: [{ name: 'test', command: ['node', 'check.mjs'] }],
    gates: ['pr', 'ci'],
    recovery,
  });
  repo.write('check.mjs', readFileSync(join(FIXTURES, 'check.mjs'), 'utf8'));
  repo.commit('add the test suite');
  fleet = withoutTaskStart(await createFleet({ cwd: repo.root }));
  await fleet.dispatch({ type: 'task.add', input: { title: 'Fix division', prompt: 'Make the math tests pass.', id: 'fix-div', agent: 'scripted', tags: ['math'] } });
}

const read = async () => (await fleet.registry.read()).tasks.find((t) => t.id === 'fix-div')!;

/** The session runtime's part: compose the latest attempt's prompt and run the agent in its worktree. */
async function runAgent(): Promise<string> {
  const task = await read();
  const attempt = task.attempts[task.attempts.length - 1]!;
  const composed = await composePrompt({ paths: fleet.paths, config: fleet.config, task, attempt });
  const promptFile = join(fleet.paths.promptsDir, `fix-div-a${attempt.n}.md`);
  mkdirSync(fleet.paths.promptsDir, { recursive: true });
  writeFileSync(promptFile, composed.prompt, { mode: 0o600 });
  const argv = fleet.config.profiles.scripted!.command.map((a) => (a === '{promptFile}' ? promptFile : a));
  execFileSync(argv[0]!, argv.slice(1), { cwd: attempt.worktree, stdio: 'pipe' });
  return composed.prompt;
}

/** The monitor's part: run the check in the worktree; record ci_failed with its log, or ready. */
async function runChecks(): Promise<boolean> {
  const task = await read();
  const attempt = task.attempts[task.attempts.length - 1]!;
  let log: string;
  let ok = true;
  try {
    log = execFileSync('node', ['check.mjs'], { cwd: attempt.worktree, encoding: 'utf8' });
  } catch (err) {
    ok = false;
    log = (err as { stdout: string }).stdout;
  }
  if (!ok) {
    await failLatest(fleet, 'fix-div', 'ci_failed', 'check "test" failed (exit 1)', { name: 'test', log });
    return false;
  }
  await fleet.registry.updateTask('fix-div', (t) => {
    t.attempts[t.attempts.length - 1]!.state = 'finished';
    t.gates.ci = { state: 'pass', detail: 'test passed' };
    transition(t, 'ready', 'every gate passed');
  });
  return true;
}

describe('recovery flow with a scripted agent', () => {
  it('attempt 1 fails CI; the enriched attempt 2 continues from its branch, passes, and one learning is written', async () => {
    await setup([], { maxAttempts: 3, maxCiRounds: 2 });
    await startFirstAttempt(fleet, 'fix-div');
    const prompt1 = await runAgent();
    expect(prompt1).not.toContain('divides by zero safely');
    expect(await runChecks()).toBe(false);

    const [retried] = await autoRetryPass(fleet);
    expect(retried).toMatchObject({ outcome: 'retried', attempt: 2, startPoint: 'flotilla/fix-div-a1', class: 'ci_failed' });
    await markPendingRunning(fleet, 'fix-div');
    const prompt2 = await runAgent();
    expect(prompt2).toContain('test/math.test.ts > math > divides by zero safely');
    expect(prompt2).not.toContain('noise: compiling module 100\n');
    expect(prompt2).not.toContain('\u001b[');
    expect(await runChecks()).toBe(true);
    git(repo.root, 'merge-base', '--is-ancestor', 'flotilla/fix-div-a1', 'flotilla/fix-div-a2');

    expect(await autoRetryPass(fleet)).toEqual([]);
    expect(await autoRetryPass(fleet)).toEqual([]);
    const task = await read();
    expect(task.state).toBe('ready');
    expect(task.attempts).toHaveLength(2);
    const lines = readFileSync(fleet.paths.learningsFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ taskId: 'fix-div', class: 'ci_failed', tags: ['math'], paths: ['solution.txt'] });
  });

  it('an agent that always fails: exactly maxAttempts attempts, then escalated and one notification', async () => {
    await setup(['--always-fail'], { maxAttempts: 3, maxCiRounds: 2 });
    await startFirstAttempt(fleet, 'fix-div');
    for (let round = 0; round < 10; round++) {
      await runAgent();
      expect(await runChecks()).toBe(false);
      const results = await autoRetryPass(fleet);
      expect(results).toHaveLength(1);
      if (results[0]!.outcome === 'escalated') break;
      await markPendingRunning(fleet, 'fix-div');
    }
    expect(await autoRetryPass(fleet)).toEqual([]);
    const task = await read();
    expect(task.state).toBe('escalated');
    expect(task.attempts.map((a) => a.n)).toEqual([1, 2, 3]);
    expect(Object.keys(task.notified)).toEqual(['escalated#3']);
    expect(fleet.store.getState().notifications.filter((n) => n.kind === 'escalated')).toHaveLength(1);
    expect(task.reason).toBe('3 of 3 attempts used (recovery.maxAttempts)');
  });
});
