import { describe, expect, it } from 'vitest';
import type { Attempt, Task } from '../core/index.js';
import { blockingFindings, classifyFailure, findContextExhausted } from './classify.js';
import { reviewRecordWith } from '../../test-support/review-task.js';

const now = new Date('2026-11-25T10:00:00Z');

function makeTask(over: Partial<Task> = {}): Task {
  return {
    id: 't1', title: 'T', prompt: 'do it', agent: 'claude', base: 'main', tags: [], after: [], context: [],
    state: 'failed', stateSince: now.toISOString(), reason: null, createdAt: now.toISOString(),
    updatedAt: now.toISOString(), attempts: [], gates: {}, pr: null, cost: null, notified: {}, history: [], ...over,
  };
}
function makeAttempt(over: Partial<Attempt> = {}): Attempt {
  return {
    n: 1, branch: 'flotilla/t1-a1', worktree: '/tmp/wt', startPoint: 'main', state: 'failed',
    createdAt: now.toISOString(), startedAt: null, endedAt: null, session: null, failure: null, enrichment: null,
    ciRounds: 0, ...over,
  };
}

describe('findContextExhausted', () => {
  it.each([
    ['claude', '\u001b[31m  ⎿  API Error: 400 {"type":"error","error":{"message":"Prompt is too long"}}\u001b[0m'],
    ['claude compact', 'Error: Error during compaction: Error: Conversation too long. Press esc twice to go up a few messages and try again.'],
    ['claude api', 'API Error: 400 input length and `max_tokens` exceed context limit: 197202 + 21333 > 200000'],
    ['codex', "■ Codex ran out of room in the model's context window. Start a new thread or clear earlier history before retrying."],
    ['gemini', '"message": "The input token count (1054016) exceeds the maximum number of tokens allowed (1048576).",'],
  ])('recognises %s', (_agent, line) => {
    expect(findContextExhausted(`working...\n${line}\n> `)).toMatch(/too long|context|token count/i);
  });

  it('ignores ordinary screens and honours profile patterns', () => {
    expect(findContextExhausted('Context left until auto-compact: 12%\n> fix the bug')).toBeNull();
    expect(findContextExhausted('MYAGENT: memory full', ['memory full'])).toBe('MYAGENT: memory full');
    expect(findContextExhausted('x', ['(unclosed'])).toBeNull();
  });
});

describe('classifyFailure', () => {
  it('takes the human class first', () => {
    const f = classifyFailure({ task: makeTask(), attempt: makeAttempt(), given: 'off_track', givenEvidence: 'wrong API', now });
    expect(f).toEqual({ class: 'off_track', evidence: 'wrong API', at: now.toISOString() });
  });

  it('turns a crash with a context-limit message in the log into context_exhausted', () => {
    const attempt = makeAttempt({ failure: { class: 'crashed', evidence: 'exit 1', at: now.toISOString() } });
    const f = classifyFailure({ task: makeTask(), attempt, log: 'lots\nPrompt is too long\n', now });
    expect(f?.class).toBe('context_exhausted');
    expect(f?.evidence).toContain('Prompt is too long');
  });

  it('keeps what the monitor recorded otherwise', () => {
    const failure = { class: 'ci_failed' as const, evidence: 'test failed', at: now.toISOString() };
    expect(classifyFailure({ task: makeTask(), attempt: makeAttempt({ failure }), log: 'Prompt is too long' })).toEqual(failure);
  });

  it('finds blocking review findings, failing checks and conflicts', () => {
    const review = reviewRecordWith([
        { id: 'a', file: 'src/a.ts', line: 3, severity: 'major', category: 'logic', message: 'off by one', reviewers: ['r'], agreed: true },
        { id: 'b', file: 'src/b.ts', line: 1, severity: 'nit', category: 'style', message: 'naming', reviewers: ['r'], agreed: false },
        { id: 'c', file: 'src/c.ts', line: 9, severity: 'critical', category: 'security', message: 'sql', reviewers: ['r'], agreed: false, dismissed: true },
      ], { runAt: now.toISOString() });
    const reviewed = makeTask({ gates: { reviews: { state: 'fail', detail: '1 blocking' } }, review });
    expect(blockingFindings(reviewed).map((f) => f.id)).toEqual(['a']);
    const lone = { ...review, findings: [{ ...review.findings[0]!, agreed: false }, review.findings[1]!] };
    expect(blockingFindings(makeTask({ review: lone }))).toEqual([]);
    // The gate failed on findings this rule does not call blocking: the open ones are the evidence.
    const failedGate = makeTask({ review: lone, gates: { reviews: { state: 'fail', detail: '' } } });
    expect(blockingFindings(failedGate).map((f) => f.id)).toEqual(['a', 'b']);
    expect(classifyFailure({ task: reviewed, attempt: makeAttempt(), now })?.class).toBe('review_flagged');

    const pr = {
      forge: 'local' as const, number: 1, url: null, title: 't', body: '', branch: 'b', base: 'main', state: 'open' as const,
      createdAt: now.toISOString(), attempt: 1, commits: [], diffstat: '',
      checks: [{ name: 'test', state: 'fail' as const, detail: 'exit 1' }, { name: 'lint', state: 'pass' as const, detail: '' }],
    };
    const f = classifyFailure({ task: makeTask({ pr }), attempt: makeAttempt(), now });
    expect(f).toMatchObject({ class: 'ci_failed', evidence: 'failing checks: test' });

    const conflicted = makeTask({ gates: { rebased: { state: 'fail', detail: 'conflicts with main: src/a.ts, src/b.ts' } } });
    expect(classifyFailure({ task: conflicted, attempt: makeAttempt(), now })?.class).toBe('conflicts');
  });

  it('returns null when nothing failed', () => {
    expect(classifyFailure({ task: makeTask(), attempt: makeAttempt(), screen: 'all good' })).toBeNull();
  });
});
