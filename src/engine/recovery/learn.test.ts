import { readFileSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../fleet/index.js';
import { MEMORY_TEMPLATE } from '../config/index.js';
import { composePrompt, readLearnings } from '../prompt/index.js';
import { transition } from '../tasks/index.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { commitInLatest, failLatest, markPendingRunning, startFirstAttempt, withoutTaskStart } from '../../test-support/recovery-attempts.js';
import { addToMemory, recordLearningIfReady } from './learn.js';
import { autoRetryPass } from './auto-retry.js';
import { retryTask } from './retry.js';

describe('addToMemory', () => {
  it('appends under "## Learnings", before the next section, and creates the section when missing', () => {
    const once = addToMemory(MEMORY_TEMPLATE, 'first');
    expect(once.endsWith('## Learnings\n\n- first\n')).toBe(true);
    expect(addToMemory(once, 'second').endsWith('- first\n- second\n')).toBe(true);
    const withNext = addToMemory('# m\n\n## Learnings\n\n- a\n\n## Other\n\ntext\n', 'b');
    expect(withNext).toBe('# m\n\n## Learnings\n\n- a\n- b\n\n## Other\n\ntext\n');
    expect(addToMemory('# m\n', 'x')).toBe('# m\n\n## Learnings\n\n- x\n');
  });
});

let repo: TempRepo;
let fleet: Fleet;
afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
});

describe('recordLearningIfReady', () => {
  it('writes one learning per task and attempt when an enriched attempt reaches ready', async () => {
    repo = makeTempRepo();
    repo.write('.flotilla/MEMORY.md', MEMORY_TEMPLATE);
    fleet = withoutTaskStart(await createFleet({ cwd: repo.root }));
    await fleet.dispatch({ type: 'task.add', input: { title: 'Fix math', prompt: 'p', id: 'fix-math', tags: ['math'] } });
    await startFirstAttempt(fleet, 'fix-math');
    await commitInLatest(fleet, 'fix-math', 'src/math.ts', '1');
    expect(await recordLearningIfReady(fleet, 'fix-math')).toBeNull();
    await failLatest(fleet, 'fix-math', 'ci_failed', 'test failed', { name: 'test', log: 'FAILED tests/t.py::test_one - x\n' });
    await retryTask(fleet, 'fix-math');
    await markPendingRunning(fleet, 'fix-math');
    await commitInLatest(fleet, 'fix-math', 'src/fix.ts', '2');
    expect(await recordLearningIfReady(fleet, 'fix-math')).toBeNull();
    await fleet.registry.updateTask('fix-math', (t) => transition(t, 'ready'));

    const learning = await recordLearningIfReady(fleet, 'fix-math');
    expect(learning).toMatchObject({
      taskId: 'fix-math', class: 'ci_failed', enrichment: ['failing-checks', 'failing-tests', 'check-logs'], tags: ['math'],
      paths: ['src/fix.ts', 'src/math.ts'],
    });
    expect(await recordLearningIfReady(fleet, 'fix-math')).toBeNull();
    expect(await autoRetryPass(fleet)).toEqual([]);
    const lines = readFileSync(fleet.paths.learningsFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(statSync(fleet.paths.learningsFile).mode & 0o777).toBe(0o600);
    const memory = readFileSync(fleet.paths.memoryFile, 'utf8');
    expect(memory.split('## Learnings')[1]).toContain(`- ${learning!.sentence}`);
    expect(memory.match(/attempt 2 passed/g)).toHaveLength(1);

    // A later task with a matching tag gets it up front.
    const [read] = await readLearnings(fleet.paths.learningsFile);
    expect(read).toEqual(learning);
    const next = await fleet.dispatch({ type: 'task.add', input: { title: 'More math', prompt: 'q', tags: ['math'] } });
    const composed = await composePrompt({ paths: fleet.paths, config: fleet.config, task: next });
    expect(composed.learnings).toEqual([learning]);
    expect(composed.prompt).toContain(learning!.sentence);
  });
});
