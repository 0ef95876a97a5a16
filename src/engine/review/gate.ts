import type { FlotillaConfig } from '../core/index.js';
import type { GateResult, Task } from '../core/index.js';
import type { MergedFinding } from './consensus.js';
import { reviewersOf } from './roles.js';
import { reviewOf } from './types.js';

/**
 * The `reviews` gate: passes when no blocking finding remains. Blocking = not dismissed, and
 * either agreed (two or more reviewers) with severity critical or major, or critical as reported
 * by a role marked `blocking`.
 */

function blockingRoles(config: FlotillaConfig): Set<string> {
  return new Set(reviewersOf(config).filter((r) => r.blocking).map((r) => r.role));
}

export function isBlocking(f: MergedFinding, roles: ReadonlySet<string>): boolean {
  if (f.dismissed) return false;
  if (f.agreed && (f.severity === 'critical' || f.severity === 'major')) return true;
  const sources = f.sources ?? [];
  if (sources.length) return sources.some((s) => s.severity === 'critical' && roles.has(s.role));
  return f.severity === 'critical' && f.reviewers.some((r) => roles.has(r));
}

/** Findings of the task's latest review that keep the gate failing (for recovery's review_flagged). */
export function blockingFindings(task: Task, config: FlotillaConfig): MergedFinding[] {
  const review = reviewOf(task);
  if (!review) return [];
  const roles = blockingRoles(config);
  return review.findings.filter((f) => isBlocking(f, roles));
}

function describe(f: MergedFinding): string {
  const where = f.line ? `${f.file}:${f.line}` : f.file;
  const msg = f.message.length > 100 ? `${f.message.slice(0, 97)}...` : f.message;
  return `${f.id} ${f.severity} ${where} (${f.reviewers.join('+')}): ${msg}`;
}

export function evaluateReviewsGate(task: Task, config: FlotillaConfig): Pick<GateResult, 'state' | 'detail'> {
  if (reviewersOf(config).length === 0) {
    return { state: 'skip', detail: config.reviewers ? 'no reviewers configured' : 'no reviewer CLI installed (claude, codex, gemini); set "reviewers" in config' };
  }
  const review = reviewOf(task);
  if (!review) return { state: 'pending', detail: 'not reviewed yet' };
  const latest = task.attempts.at(-1)?.n ?? review.attempt;
  const reviewed = task.pr?.attempt ?? latest;
  if (review.attempt < reviewed) {
    return { state: 'pending', detail: `last review is of attempt ${review.attempt}; attempt ${reviewed} not reviewed yet` };
  }
  if ((review.succeeded ?? []).length === 0 && review.errors.length > 0) {
    return { state: 'pending', detail: `every reviewer failed (${review.errors.map((e) => `${e.role}: ${e.message}`).join('; ')}); run flotilla review again` };
  }
  const blocking = blockingFindings(task, config);
  if (blocking.length) {
    const more = blocking.length > 3 ? ` (+${blocking.length - 3} more)` : '';
    return { state: 'fail', detail: `${blocking.length} blocking finding(s): ${blocking.slice(0, 3).map(describe).join('; ')}${more}` };
  }
  const dismissed = review.findings.filter((f) => f.dismissed).length;
  const errors = review.errors.length ? `, ${review.errors.length} reviewer error(s)` : '';
  return {
    state: 'pass',
    detail: `no blocking findings (${review.findings.length} finding(s), ${dismissed} dismissed${errors})`,
  };
}

/**
 * Text for recovery's `review_flagged` enrichment: the blocking findings, then the other shown
 * (not folded, not dismissed) ones, agreed first, one line each. Empty when there is nothing.
 */
export function reviewFindingsText(task: Task, config: FlotillaConfig, max = 20): string {
  const review = reviewOf(task);
  if (!review) return '';
  const roles = blockingRoles(config);
  const blocking = review.findings.filter((f) => isBlocking(f, roles));
  const others = review.findings.filter((f) => !f.folded && !f.dismissed && !isBlocking(f, roles));
  const line = (f: MergedFinding) =>
    `- ${f.line ? `${f.file}:${f.line}` : f.file} [${f.severity}, ${f.category}, ${f.agreed ? `agreed by ${f.reviewers.join(' and ')}` : f.reviewers.join(', ')}] ${f.message.replace(/\s*\n\s*/g, ' ')}`;
  const parts: string[] = [];
  if (blocking.length) parts.push(`Review findings that must be fixed:\n${blocking.slice(0, max).map(line).join('\n')}`);
  const room = Math.max(0, max - blocking.length);
  if (others.length && room) parts.push(`Other review findings (use judgement):\n${others.slice(0, room).map(line).join('\n')}`);
  return parts.join('\n\n');
}

/** A short summary for `status --json` and the fleet view. */
export function reviewStatusView(task: Task) {
  const review = reviewOf(task);
  if (!review) return null;
  return {
    runAt: review.runAt,
    attempt: review.attempt,
    findings: review.findings.filter((f) => !f.folded && !f.dismissed).length,
    agreed: review.findings.filter((f) => f.agreed && !f.dismissed).length,
    folded: review.findings.filter((f) => f.folded && !f.dismissed).length,
    dismissed: review.findings.filter((f) => f.dismissed).length,
    errors: review.errors.length,
  };
}

/**
 * Whether the task's PR should be reviewed now (for the monitor): reviewers are configured, the PR
 * is open, and there is no review of the attempt it shows, or the PR's head moved since.
 */
export function reviewDue(task: Task, config: FlotillaConfig): boolean {
  if (reviewersOf(config).length === 0 || !task.pr || task.pr.state !== 'open') return false;
  const review = reviewOf(task);
  if (!review) return true;
  const shown = task.pr.attempt ?? task.attempts.at(-1)?.n ?? review.attempt;
  if (review.attempt < shown) return true;
  return Boolean(task.pr.headSha && review.diff?.head && task.pr.headSha !== review.diff.head);
}
