import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Admission, JobRequest } from '../core/index.js';
import { createFleet, type Fleet } from '../fleet/index.js';
import { addCalcAttempt, scriptedReviewConfig, scriptedReviewer, setupCalcTask } from '../../test-support/review-task.js';
import { git, type TempRepo } from '../../test-support/temp-repo.js';
import { recordActedOn } from './acted-on.js';
import { evaluateReviewsGate } from './gate.js';
import { runReview } from './run.js';
import { reviewOf } from './types.js';

let repo: TempRepo | undefined;
let fleet: Fleet | undefined;
afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
  repo = fleet = undefined;
});

function fakeAdmission() {
  const jobs: JobRequest[] = [];
  const pids: number[] = [];
  let released = 0;
  const admission: Admission = {
    async acquire(job) {
      jobs.push(job);
      return { id: String(jobs.length), trackPid: (pid) => void pids.push(pid), release: async () => void released++ };
    },
    async snapshot() {
      throw new Error('unused');
    },
  };
  return { admission, jobs, pids, released: () => released };
}

const CALC_A2 =
  "export function add(a, b) {\n  return a + b;\n}\nexport function divide(a, b) {\n  if (b === 0) throw new RangeError('division by zero');\n  return a / b;\n}\n\nexport function mul(a, b) {\n  let r = a * b;\n  return r;\n}\n";

describe('runReview', () => {
  it('runs each reviewer through the admission queue and counts findings the next attempt acted on', async () => {
    repo = await setupCalcTask(
      scriptedReviewConfig([scriptedReviewer('logic', 'prose'), scriptedReviewer('security', 'claude'), scriptedReviewer('conventions', 'codex')]),
    );
    fleet = await createFleet({ cwd: repo.root });
    const q = fakeAdmission();
    const ctx = { ...fleet, admission: q.admission };
    const first = await runReview(ctx, 'calc');
    expect(q.jobs.map((j) => j.kind)).toEqual(['review', 'review', 'review']);
    expect(q.jobs.map((j) => j.label).sort()).toEqual(['review conventions calc', 'review logic calc', 'review security calc']);
    expect(q.jobs.every((j) => j.taskId === 'calc')).toBe(true);
    expect(q.pids).toHaveLength(3);
    expect(q.released()).toBe(3);
    const agreed = first.findings[0]!;
    expect(agreed.agreed).toBe(true);

    // Attempt 2 guards the division (the agreed finding's lines) and leaves mul() alone.
    addCalcAttempt(repo, 2, CALC_A2);
    const second = await runReview(ctx, 'calc');
    expect(second.attempt).toBe(2);
    const calibration = JSON.parse(readFileSync(join(repo.root, '.flotilla', 'calibration.json'), 'utf8'));
    expect(Object.keys(calibration.reviewers).sort()).toEqual(['model-claude×security', 'model-prose×logic']);
    expect(calibration.reviewers['model-prose×logic']).toMatchObject({ actedOn: 1, precision: 1, outcomes: { [`calc:${agreed.id}`]: 'acted' } });
    // Idempotent: asking again changes nothing.
    expect(await recordActedOn(ctx, 'calc')).toEqual([]);
    expect(second.runs.filter((r) => r.try === 1)).toHaveLength(6);
  });

  it('reviews a diff over the cap in parts and says so', async () => {
    repo = await setupCalcTask(scriptedReviewConfig([scriptedReviewer('logic', 'prose')]));
    const data = JSON.parse(readFileSync(join(repo.root, '.flotilla', 'tasks.json'), 'utf8'));
    const worktree = data.tasks[0].attempts[0].worktree as string;
    writeFileSync(join(worktree, 'notes.md'), `${'lorem ipsum '.repeat(30)}\n`);
    git(worktree, 'add', '-A');
    git(worktree, 'commit', '-q', '-m', 'notes');
    fleet = await createFleet({ cwd: repo.root });
    const review = await runReview(fleet, 'calc', { partCap: 600 });
    expect(review.diff).toMatchObject({ files: 2, chunks: 2, truncated: false });
    expect(review.notes).toEqual([expect.stringMatching(/reviewed in 2 parts/)]);
    expect(review.runs.map((r) => r.chunk)).toEqual([1, 2]);
    const prompt2 = readFileSync(review.runs[1]!.outputFile.replace(/\.out$/, '.prompt.md'), 'utf8');
    expect(prompt2).toContain('This is part 2 of 2 of the diff');
    expect(prompt2).toContain('M\tsrc/calc.js');
    // The same finding from both parts is one finding (one reviewer cannot agree with itself).
    expect(review.findings).toHaveLength(1);
    expect(review.findings[0]!.agreed).toBe(false);
    expect(reviewOf((await fleet.registry.read()).tasks[0]!)!.runId).toBe(review.runId);
  });

  it('re-running some roles keeps the other roles\' findings on the same commit, so the agreed finding still blocks', async () => {
    repo = await setupCalcTask(
      scriptedReviewConfig([
        scriptedReviewer('logic', 'prose', { blocking: true }),
        scriptedReviewer('security', 'claude'),
        scriptedReviewer('conventions', 'codex'),
      ]),
    );
    fleet = await createFleet({ cwd: repo.root });
    const full = await runReview(fleet, 'calc');
    const agreed = full.findings[0]!;
    expect(agreed).toMatchObject({ agreed: true, reviewers: ['logic', 'security'] });

    // Only conventions again (say it had timed out): logic + security still agree on the same line.
    const partial = await runReview(fleet, 'calc', { roles: ['conventions'] });
    expect(partial.findings.map((f) => [f.id, f.reviewers, f.agreed])).toEqual(full.findings.map((f) => [f.id, f.reviewers, f.agreed]));
    expect(partial.roles.sort()).toEqual(['conventions', 'logic', 'security']);
    expect(partial.succeeded.sort()).toEqual(['conventions', 'logic', 'security']);
    expect(partial.notes).toEqual([expect.stringMatching(/kept the findings of logic, security .*re-ran conventions/)]);
    const task = (await fleet.registry.read()).tasks[0]!;
    expect(evaluateReviewsGate(task, fleet.config).state).toBe('fail');

    // Re-running one of the agreeing roles replaces only its own word.
    const again = await runReview(fleet, 'calc', { roles: ['security'] });
    expect(again.findings[0]).toMatchObject({ id: agreed.id, reviewers: ['logic', 'security'], agreed: true });
    expect(again.runs.filter((r) => r.runId === again.runId).map((r) => r.role)).toEqual(['security']);
  });
});
