import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../engine/index.js';
import { transition } from '../engine/index.js';
import { commitInLatest, failLatest, markPendingRunning, startFirstAttempt } from '../test-support/recovery-attempts.js';
import { makeTempRepo, runCli, type TempRepo } from '../test-support/temp-repo.js';
import { recordLearningIfReady } from '../engine/index.js';

let repo: TempRepo;
let fleet: Fleet;
afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
});

async function failedTask(recovery: Record<string, unknown> = {}) {
  // An agent that exits at once: once `task.start` exists, `flotilla retry` starts it (in a pty).
  repo = makeTempRepo({
    runtime: 'pty',
    profiles: { noop: { command: ['node', '-e', ''], appendContext: 'prompt', hooks: 'none' } },
    recovery: { maxAttempts: 2, ...recovery },
  });
  fleet = await createFleet({ cwd: repo.root });
  await fleet.dispatch({ type: 'task.add', input: { title: 'Fix math', prompt: 'p', id: 'fix-math', tags: ['math'], agent: 'noop' } });
  await startFirstAttempt(fleet, 'fix-math');
  await commitInLatest(fleet, 'fix-math', 'src/math.ts', 'export const a = 1;\n');
  await failLatest(fleet, 'fix-math', 'ci_failed', 'test failed', { name: 'test', log: '--- FAIL: TestDivide (0.00s)\nFAIL\n' });
}

describe('flotilla retry / diff / learnings (real binary)', () => {
  it('retry refuses bad input with exit 2 and one line', async () => {
    await failedTask();
    const bad = await runCli(repo.root, ['retry', 'fix-math', '--class', 'bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^flotilla: retry: --class bogus: not a failure class/);
    expect((await runCli(repo.root, ['retry', 'nope'])).code).toBe(2);
    const outside = await runCli(repo.root, ['retry', 'fix-math', '--files', 'src/a.ts,../../x']);
    expect(outside).toMatchObject({ code: 2, stderr: expect.stringContaining("outside the task's worktree") });
    const doc = await runCli(repo.root, ['retry', 'fix-math', '--doc', 'missing.md']);
    expect(doc.code).toBe(2);
    await fleet.registry.updateTask('fix-math', (t) => {
      t.attempts[0]!.session = { state: 'working', pid: process.pid, since: new Date().toISOString() };
    });
    const running = await runCli(repo.root, ['retry', 'fix-math']);
    expect(running).toMatchObject({ code: 2, stderr: 'flotilla: task fix-math is running; stop it first: flotilla stop fix-math\n' });
    expect((await fleet.registry.read()).tasks[0]!.attempts).toHaveLength(1);
  });

  it('retry makes attempt 2; diff compares the attempts; past the cap exit 3', async () => {
    await failedTask();
    writeFileSync(join(repo.dir, 'spec.md'), 'Use integer division.\n');
    const r = await runCli(repo.dir, ['retry', 'fix-math', '--note', 'Divide by zero returns 0', '--doc', 'spec.md'], {}, undefined);
    // Run from outside the repository: refused (not in a git repository).
    expect(r.code).toBe(2);
    const ok = await runCli(repo.root, ['retry', 'fix-math', '--note', 'Divide by zero returns 0', '--doc', join(repo.dir, 'spec.md')]);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(/^fix-math: attempt 2 from flotilla\/fix-math-a1 \(ci_failed; told: note, failing-checks, failing-tests, check-logs, docs\): (started|pending)/);
    const task = (await fleet.registry.read()).tasks[0]!;
    expect(task.attempts[1]!.enrichment!.text).toContain('TestDivide');
    expect(task.attempts[1]!.enrichment!.text).toContain('Use integer division.');

    await markPendingRunning(fleet, 'fix-math');
    await commitInLatest(fleet, 'fix-math', 'src/math.ts', 'export const a = 2;\n');
    const diff = await runCli(repo.root, ['diff', 'fix-math']);
    expect(diff.code).toBe(0);
    expect(diff.stdout).toContain('fix-math: attempt 1 (flotilla/fix-math-a1) -> attempt 2 (flotilla/fix-math-a2)');
    expect(diff.stdout).toContain('-export const a = 1;\n+export const a = 2;');
    expect(diff.stdout).not.toContain('\u001b[');
    const colored = await runCli(repo.root, ['diff', 'fix-math', 'a1', '2', '--color']);
    expect(colored.stdout).toContain('\u001b[');
    expect((await runCli(repo.root, ['diff', 'fix-math', '7'])).stderr).toMatch(/has no attempt 7/);

    await failLatest(fleet, 'fix-math', 'crashed', 'exit 1');
    const capped = await runCli(repo.root, ['retry', 'fix-math']);
    expect(capped.code).toBe(3);
    expect(capped.stdout).toMatch(/fix-math escalated: 2 of 2 attempts used[\s\S]*attempt 1 [\s\S]*attempt 2 /);
    const json = JSON.parse((await runCli(repo.root, ['retry', 'fix-math', '--force', '--json'])).stdout);
    expect(json).toMatchObject({ outcome: 'retried', attempt: 3, startPoint: 'flotilla/fix-math-a2' });
  });

  it('learnings lists recorded learnings, as text and JSON', async () => {
    await failedTask();
    expect((await runCli(repo.root, ['learnings'])).stdout).toMatch(/no learnings yet/);
    await runCli(repo.root, ['retry', 'fix-math']);
    await markPendingRunning(fleet, 'fix-math');
    await fleet.registry.updateTask('fix-math', (t) => transition(t, 'ready'));
    await recordLearningIfReady(fleet, 'fix-math');
    const text = await runCli(repo.root, ['learnings']);
    expect(text.stdout).toMatch(/fix-math {2}ci_failed {2}\[failing-checks, failing-tests, check-logs\] tags: math/);
    const json = JSON.parse((await runCli(repo.root, ['learnings', '--json'])).stdout);
    expect(json.learnings).toHaveLength(1);
    expect(json.learnings[0]).toMatchObject({ taskId: 'fix-math', class: 'ci_failed', paths: ['src/math.ts'] });
  });
});
