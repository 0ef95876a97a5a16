import { describe, expect, it } from 'vitest';
import type { Attempt, Failure, FailureClass, Task } from '../core/index.js';
import { newAttempt, newTask } from '../tasks/index.js';
import { decideRetry, type RetryFacts } from './decide-retry.js';

const AT = '2026-11-01T00:00:00.000Z';
const RECOVERY = { auto: ['ci_failed', 'crashed'] as FailureClass[], maxAttempts: 3, maxCiRounds: 1 };

function failure(cls: FailureClass): Failure {
  return { class: cls, evidence: 'e', at: AT };
}

/** A task whose attempts failed with these classes (the last one is the current failure). */
function taskWith(classes: FailureClass[], last: Partial<Attempt> = {}): Task {
  const task = newTask({ id: 't', title: 't', prompt: 'p', agent: 'a', base: 'main' }, AT);
  task.attempts = classes.map((cls, i) => ({
    ...newAttempt({ n: i + 1, branch: `flotilla/t-a${i + 1}`, worktree: `/w/t-a${i + 1}`, startPoint: 'main' }, AT),
    state: 'failed' as const,
    failure: failure(cls),
  }));
  Object.assign(task.attempts.at(-1)!, last);
  return task;
}

function facts(classes: FailureClass[], extra: Partial<RetryFacts> = {}): RetryFacts {
  const task = taskWith(classes);
  return { task, failure: task.attempts.at(-1)!.failure, auto: true, force: false, alive: false, recovery: RECOVERY, ...extra };
}

describe('decideRetry', () => {
  it('an automatic retry leaves a class not in recovery.auto (and a failure of no class) to the human', () => {
    expect(decideRetry(facts(['off_track']))).toEqual({ kind: 'leave' });
    expect(decideRetry(facts(['crashed'], { failure: null }))).toEqual({ kind: 'leave' });
    // The human's own retry is made whatever the class.
    expect(decideRetry(facts(['off_track'], { auto: false }))).toEqual({ kind: 'retry', stopAgent: false, continueFromBranch: false });
  });

  it('continues from the branch for classes that keep the work, from base for the rest', () => {
    expect(decideRetry(facts(['crashed']))).toMatchObject({ kind: 'retry', continueFromBranch: true });
    expect(decideRetry(facts(['off_track'], { auto: false }))).toMatchObject({ kind: 'retry', continueFromBranch: false });
    expect(decideRetry(facts(['crashed'], { auto: false, failure: null }))).toMatchObject({ kind: 'retry', continueFromBranch: true });
  });

  it('escalates past maxAttempts and past maxCiRounds, unless forced', () => {
    expect(decideRetry(facts(['crashed', 'crashed', 'crashed']))).toEqual({ kind: 'escalate', reason: '3 of 3 attempts used (recovery.maxAttempts)' });
    expect(decideRetry(facts(['ci_failed', 'ci_failed']))).toEqual({
      kind: 'escalate',
      reason: 'CI failed 2 times; recovery.maxCiRounds allows 1 retries after CI failures',
    });
    expect(decideRetry(facts(['ci_failed', 'ci_failed'], { auto: false, force: true }))).toMatchObject({ kind: 'retry' });
  });

  it('escalates an automatic retry of an agent that is not installed, at once', () => {
    const task = taskWith(['crashed'], { session: { state: 'exited', pid: null, since: AT, message: 'command not found: my-agent' } });
    const base = { task, failure: failure('crashed'), force: false, alive: false, recovery: RECOVERY };
    expect(decideRetry({ ...base, auto: true })).toEqual({ kind: 'escalate', reason: 'command not found: my-agent: install it or fix the profile, then flotilla retry t' });
    expect(decideRetry({ ...base, auto: false })).toMatchObject({ kind: 'retry' });
  });

  it('defers an automatic retry that cannot be made here, and stops an idle agent before retrying', () => {
    expect(decideRetry(facts(['crashed'], { deferRetry: 'pty agents end with this process' }))).toEqual({ kind: 'defer', reason: 'pty agents end with this process' });
    expect(decideRetry(facts(['crashed'], { alive: true }))).toEqual({ kind: 'retry', stopAgent: true, continueFromBranch: true });
  });
});
