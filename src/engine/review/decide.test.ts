import { describe, expect, it } from 'vitest';
import { reviewRecordWith } from '../../test-support/review-task.js';
import { judgeReviewerTry, keptFromPrevious, type ReviewerTry } from './decide.js';

const run = (o: Partial<ReviewerTry> = {}): ReviewerTry => ({ program: 'claude', aborted: false, timedOut: false, exitCode: 0, stdout: '{}', stderr: '', timeoutMs: 300_000, ...o });

describe('judgeReviewerTry', () => {
  it('parses a clean exit, and quotes the CLI when it fails', () => {
    expect(judgeReviewerTry(run())).toEqual({ kind: 'parse' });
    expect(judgeReviewerTry(run({ exitCode: 1, stderr: 'Not logged in · Please run /login\n' }))).toEqual({ kind: 'failed', message: 'claude exited 1: Not logged in · Please run /login', tryAgain: true });
    expect(judgeReviewerTry(run({ exitCode: null, signal: 'SIGKILL', stdout: '' }))).toEqual({ kind: 'failed', message: 'claude exited on SIGKILL without a message', tryAgain: true });
    expect(judgeReviewerTry(run({ timedOut: true, exitCode: null, stdout: '' }))).toEqual({ kind: 'failed', message: 'timed out after 5 min and was stopped', tryAgain: true });
  });

  it('does not try again after a runner error or a stop', () => {
    expect(judgeReviewerTry(run({ error: 'claude: command not found', exitCode: null }))).toEqual({ kind: 'failed', message: 'claude: command not found', tryAgain: false });
    expect(judgeReviewerTry(run({ aborted: true, exitCode: null }))).toEqual({ kind: 'failed', message: 'cancelled', tryAgain: false });
  });
});

describe('keptFromPrevious', () => {
  const source = (role: string) => ({ role, profile: 'p', model: `m-${role}`, line: 3, severity: 'major' as const, category: 'bug', message: `${role} says` });
  const previous = reviewRecordWith(
    [{ id: 'f1', file: 'a.ts', line: 3, severity: 'major', category: 'bug', message: 'x', reviewers: ['logic', 'security'], agreed: true, sources: [source('logic'), source('security')] }],
    { attempt: 2, roles: ['logic', 'security'], succeeded: ['logic', 'security'] },
  );
  const head = previous.diff.head;

  it('a --role re-run on the same commit keeps the other roles word, not the re-run roles', () => {
    const out = keptFromPrevious(previous, { roles: ['logic'], rerun: new Set(['logic']), attempt: 2, head });
    expect(out.kept).toBe(previous);
    expect(out.roles).toEqual(['security']);
    expect(out.findings).toEqual([{ file: 'a.ts', line: 3, severity: 'major', category: 'bug', message: 'security says', role: 'security', profile: 'p', model: 'm-security' }]);
  });

  it('keeps nothing for a full run, another attempt or another commit', () => {
    expect(keptFromPrevious(previous, { roles: undefined, rerun: new Set(['logic', 'security']), attempt: 2, head }).kept).toBeNull();
    expect(keptFromPrevious(previous, { roles: ['logic'], rerun: new Set(['logic']), attempt: 3, head }).findings).toEqual([]);
    expect(keptFromPrevious(previous, { roles: ['logic'], rerun: new Set(['logic']), attempt: 2, head: 'other' }).roles).toEqual([]);
    expect(keptFromPrevious(null, { roles: ['logic'], rerun: new Set(['logic']), attempt: 2, head }).kept).toBeNull();
  });
});
