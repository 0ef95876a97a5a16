import type { ReviewRecord } from '../core/index.js';
import { formatTimeout, reviewerFailureText } from './failure.js';
import type { SourcedFinding } from './consensus.js';

/** What one run of a reviewer CLI came to, as the runner reported it. */
export interface ReviewerTry {
  program: string;
  /** The runner's own error (program not found, folder missing), if any. */
  error?: string | undefined;
  aborted: boolean;
  timedOut: boolean;
  exitCode: number | null;
  signal?: string | null | undefined;
  stdout: string;
  stderr: string;
  timeoutMs: number;
}

/**
 * Whether a reviewer's run gave output to parse, or failed, with the message the human sees (the
 * CLI's own words quoted) and whether another try could help (not after a runner error or a stop).
 */
export function judgeReviewerTry(t: ReviewerTry): { kind: 'parse' } | { kind: 'failed'; message: string; tryAgain: boolean } {
  const said = reviewerFailureText(t.stderr, t.stdout);
  if (t.error) return { kind: 'failed', message: t.error, tryAgain: false };
  if (t.aborted) return { kind: 'failed', message: 'cancelled', tryAgain: false };
  if (t.timedOut) return { kind: 'failed', message: `timed out after ${formatTimeout(t.timeoutMs)} and was stopped${said ? `; it last said: ${said}` : ''}`, tryAgain: true };
  if (t.exitCode !== 0) {
    return { kind: 'failed', message: `${t.program} exited ${t.exitCode ?? `on ${t.signal ?? 'a signal'}`}${said ? `: ${said}` : ' without a message'}`, tryAgain: true };
  }
  return { kind: 'parse' };
}

/**
 * What a `--role` re-run keeps of the previous review: the other roles' findings, roles, successes
 * and errors, when that review was of the same attempt and the same commit; nothing otherwise (a
 * full run, or a new commit, stands alone).
 */
export function keptFromPrevious(
  previous: ReviewRecord | null,
  run: { roles: readonly string[] | undefined; rerun: ReadonlySet<string>; attempt: number; head: string },
): { kept: ReviewRecord | null; findings: SourcedFinding[]; roles: string[] } {
  const kept = run.roles?.length && previous && previous.attempt === run.attempt && previous.diff.head === run.head ? previous : null;
  if (!kept) return { kept: null, findings: [], roles: [] };
  const findings = kept.findings.flatMap((f) =>
    f.sources
      .filter((s) => !run.rerun.has(s.role))
      .map((s) => ({ file: f.file, line: s.line, severity: s.severity, category: s.category, message: s.message, role: s.role, profile: s.profile, model: s.model })),
  );
  return { kept, findings, roles: kept.roles.filter((r) => !run.rerun.has(r)) };
}
