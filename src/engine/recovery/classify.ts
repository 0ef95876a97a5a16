import type { FailureClass } from '../core/index.js';
import type { Attempt, CheckRun, Failure, MergedFinding, Task } from '../core/index.js';
import { stripAnsi } from './text.js';

/**
 * Failure classification: which class a failed attempt belongs to, and the evidence for it.
 * Deterministic, over what is already recorded (the registry) plus the agent's screen and log text.
 *
 * Who sets what: the monitor records ci_failed, conflicts, crashed and no_progress on
 * attempt.failure; recovery adds context_exhausted (agent's own messages) and review_flagged
 * (blocking review findings); the human sets off_track and needs_knowledge (`flotilla retry
 * --class`, the TUI).
 */

export const HUMAN_CLASSES = ['off_track', 'needs_knowledge'] as const satisfies readonly FailureClass[];

/**
 * Context-limit messages of the agents flotilla knows (case-insensitive). A profile can add its own
 * under `patterns.contextExhausted`.
 */
export const CONTEXT_EXHAUSTED_PATTERNS: readonly RegExp[] = [
  // Claude Code
  /\bprompt is too long\b/i,
  /\bconversation too long\b/i,
  /input length and `?max_tokens`? exceed context limit/i,
  /context limit (?:reached|exceeded)/i,
  /context left until auto-compact: 0%/i,
  // Codex CLI
  /ran out of room in the model's context window/i,
  /context_length_exceeded/i,
  /exceeds the context window of this model/i,
  // Gemini CLI
  /the input token count \(\d+\) exceeds the maximum number of tokens allowed/i,
];

/** The first line of `text` naming a context-limit message, or null. */
export function findContextExhausted(text: string, extra: readonly string[] = []): string | null {
  const patterns = [...CONTEXT_EXHAUSTED_PATTERNS, ...extra.map(safeRegExp).filter((r): r is RegExp => r !== null)];
  const lines = stripAnsi(text).split('\n');
  // Newest first: the message that ended the session is near the bottom.
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (patterns.some((p) => p.test(line))) return line.trim().replace(/\s+/g, ' ').slice(0, 300);
  }
  return null;
}

function safeRegExp(source: string): RegExp | null {
  try {
    return new RegExp(source, 'i');
  } catch {
    return null;
  }
}

/** A review finding as recorded on task.review.findings. */
export type ReviewFinding = MergedFinding;

/**
 * Findings of the latest review that block, by the reviews gate's rule: not dismissed, and
 * critical, or major and agreed by two or more reviewers. (The review module's
 * `blockingFindings` also knows which roles are blocking; recovery takes its text when wired, see
 * RecoveryDeps.reviewText.)
 */
export function blockingFindings(task: Task): ReviewFinding[] {
  const open = (task.review?.findings ?? []).filter((f) => !f.dismissed && !f.folded);
  const blocking = open.filter((f) => f.severity === 'critical' || (f.severity === 'major' && f.agreed));
  // The gate failed on findings this rule does not call blocking: the open ones are the evidence.
  if (!blocking.length && task.gates.reviews?.state === 'fail') return open;
  return blocking;
}

export function failingChecks(task: Task): CheckRun[] {
  return (task.pr?.checks ?? []).filter((c) => c.state === 'fail');
}

export interface ClassifyInput {
  task: Task;
  attempt: Attempt;
  /** The agent's current or last screen, as text. */
  screen?: string | null;
  /** The tail of the attempt log (.flotilla/logs/<task>/<n>.log). */
  log?: string | null;
  /** Extra context-limit patterns from the profile. */
  contextPatterns?: readonly string[];
  /** A class given by the human; wins over everything. */
  given?: FailureClass;
  /** Evidence for a human-given class (the note). */
  givenEvidence?: string;
  now?: Date;
}

/**
 * The failure of an attempt, or null when nothing says it failed. Order: the human's word; the
 * agent's own context-limit message (it explains a crash or a stall better than the symptom); what
 * the monitor recorded; blocking review findings; failing checks; conflicts with base.
 */
export function classifyFailure(input: ClassifyInput): Failure | null {
  const at = (input.now ?? new Date()).toISOString();
  const { task, attempt } = input;
  if (input.given) {
    return { class: input.given, evidence: input.givenEvidence?.trim() || `set by the human`, at };
  }
  const recorded = attempt.failure;
  if (!recorded || recorded.class === 'crashed' || recorded.class === 'no_progress') {
    const hit =
      findContextExhausted(input.screen ?? '', input.contextPatterns) ??
      findContextExhausted(input.log ?? '', input.contextPatterns);
    if (hit) return { class: 'context_exhausted', evidence: `the agent reported: ${hit}`, at };
  }
  if (recorded) return recorded;
  const findings = blockingFindings(task);
  if (findings.length && (task.gates.reviews?.state === 'fail' || task.gates.reviews === undefined)) {
    const list = findings.slice(0, 5).map((f) => `${f.file}${f.line ? `:${f.line}` : ''} ${f.message}`);
    return { class: 'review_flagged', evidence: `${findings.length} blocking finding(s): ${list.join('; ')}`, at };
  }
  const failing = failingChecks(task);
  if (failing.length && (task.pr?.attempt === undefined || task.pr.attempt === attempt.n)) {
    return { class: 'ci_failed', evidence: `failing checks: ${failing.map((c) => c.name).join(', ')}`, at };
  }
  if (task.gates.rebased?.state === 'fail') {
    return { class: 'conflicts', evidence: task.gates.rebased.detail || 'conflicts with base', at };
  }
  return null;
}
