import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, makeFleetFixture, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { writeFakeGh } from '../../test-support/fake-gh.js';
import { runGithubTrain } from './train.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

async function readyWithPr(id: string, number: number, at: string) {
  await addRunningTask(fx!.fleet, id);
  await fx!.fleet.registry.updateTask(id, (t) => {
    t.state = 'ready';
    t.stateSince = at;
    t.pr = { forge: 'github', number, url: null, title: id, body: '', branch: `flotilla/${id}-a1`, base: 'main', state: 'open', createdAt: at, commits: [], diffstat: '', checks: [] };
  });
}

describe('merge train (github forge)', () => {
  it('runs gh pr merge in the given order and stops at the first PR gh refuses', async () => {
    fx = await makeFleetFixture({ forge: 'github' });
    const dir = join(fx.repo.dir, 'gh');
    const gh = writeFakeGh(dir, { 'merge-refuse': '12' });
    await readyWithPr('first', 11, '2026-01-01T00:00:01Z');
    await readyWithPr('second', 12, '2026-01-01T00:00:02Z');
    await readyWithPr('third', 13, '2026-01-01T00:00:03Z');
    const result = await runGithubTrain(fx.fleet, ['first', 'second', 'third'], { gh });
    expect(result.steps.map((s) => [s.taskId, s.outcome])).toEqual([['first', 'merged'], ['second', 'failed'], ['third', 'skipped']]);
    expect(result.steps[1]!.detail).toMatch(/gh pr merge 12: X Pull request #12 is not mergeable/);
    const calls = readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).args as string[]);
    expect(calls).toEqual([['pr', 'merge', '11', '--merge'], ['pr', 'merge', '12', '--merge']]);
  });
});
