import type { Runner } from '../exec/index.js';
import type { PullRequest } from '../core/index.js';
import type { MergedFinding } from './consensus.js';
import type { PostedReview, ReviewRecord } from './types.js';

/**
 * Posting a review to the forge. Local forge: the summary and comments are stored with the PR
 * record (`task.pr.review`). GitHub: one review (event COMMENT) with a summary body and inline
 * comments, through `gh api` with argv and the JSON body on stdin; if GitHub refuses the inline
 * comments (a line outside the diff gives 422), the review is posted again with them folded into
 * the body. Best effort: a failure is recorded, never thrown.
 */

export interface ReviewComment {
  findingId: string;
  file: string;
  line: number;
  body: string;
}

function visible(review: ReviewRecord): MergedFinding[] {
  return review.findings.filter((f) => !f.folded && !f.dismissed);
}

function commentBody(f: MergedFinding): string {
  const who = f.agreed ? `agreed by ${f.reviewers.join(', ')}` : f.reviewers.join(', ');
  return `**${f.severity}** · ${f.category} · ${who} · \`${f.id}\`\n\n${f.message}`;
}

export function reviewComments(review: ReviewRecord): ReviewComment[] {
  return visible(review).map((f) => ({ findingId: f.id, file: f.file, line: f.line, body: commentBody(f) }));
}

export function reviewSummary(review: ReviewRecord): string {
  const shown = visible(review);
  const agreed = shown.filter((f) => f.agreed).length;
  const folded = review.findings.filter((f) => f.folded).length;
  const lines = [
    `flotilla review of attempt ${review.attempt} (${review.roles.join(', ')}): ${shown.length} finding(s), ${agreed} agreed` +
      (folded ? `, ${folded} folded (low-precision reviewers)` : '') +
      (review.errors.length ? `, ${review.errors.length} reviewer error(s)` : ''),
  ];
  for (const n of review.notes) lines.push(`note: ${n}`);
  for (const e of review.errors) lines.push(`reviewer ${e.role} failed: ${e.message}`);
  return lines.join('\n');
}

/** What the local forge keeps with the PR record. */
export function localPrReview(review: ReviewRecord) {
  return { runId: review.runId, at: review.runAt, summary: reviewSummary(review), comments: reviewComments(review) };
}

export async function postToGithub(runner: Runner, cwd: string, pr: PullRequest, review: ReviewRecord, headSha: string): Promise<PostedReview> {
  const at = new Date().toISOString();
  const comments = reviewComments(review);
  const inline = comments.filter((c) => c.line > 0);
  const fileLevel = comments.filter((c) => c.line === 0);
  const summary = reviewSummary(review);
  const endpoint = `repos/{owner}/{repo}/pulls/${pr.number}/reviews`;
  const post = (body: object) =>
    runner.run('gh', ['api', '--method', 'POST', '-H', 'Accept: application/vnd.github+json', endpoint, '--input', '-'], {
      cwd,
      input: JSON.stringify(body),
      timeoutMs: 60_000,
    });
  const listed = (cs: ReviewComment[]) => cs.map((c) => `- \`${c.file}${c.line ? `:${c.line}` : ''}\` ${c.body.replace(/\n+/g, ' ')}`).join('\n');
  const first = await post({
    commit_id: headSha,
    event: 'COMMENT',
    body: fileLevel.length ? `${summary}\n\n${listed(fileLevel)}` : summary,
    comments: inline.map((c) => ({ path: c.file, line: c.line, side: 'RIGHT', body: c.body })),
  });
  if (first.exitCode === 0) return { forge: 'github', ok: true, at, comments: inline.length };
  if (first.notFound) return { forge: 'github', ok: false, at, comments: 0, error: 'gh is not installed; review not posted' };
  if (inline.length) {
    const second = await post({ commit_id: headSha, event: 'COMMENT', body: `${summary}\n\n${listed(comments)}` });
    if (second.exitCode === 0) {
      return { forge: 'github', ok: true, at, comments: 0, error: `inline comments refused, posted in the summary: ${oneLine(first.stderr)}` };
    }
  }
  return { forge: 'github', ok: false, at, comments: 0, error: `gh api ${endpoint} failed (exit ${first.exitCode}): ${oneLine(first.stderr)}` };
}

function oneLine(s: string): string {
  const t = s.trim().split('\n').slice(-2).join(' | ');
  return t.length > 200 ? `${t.slice(0, 197)}...` : t || '(no message)';
}
