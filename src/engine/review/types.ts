import type { Task } from '../core/index.js';
import type { MergedFinding } from './consensus.js';
import type { ReviewerUsage } from './parse.js';

/** One failed reviewer (after its retry): never a failed review run. */
export interface ReviewError {
  role: string;
  profile: string;
  model: string;
  message: string;
  /** How many times it was tried. */
  tries: number;
  /** Diff part it failed on, when the diff was reviewed in parts. */
  chunk?: number;
}

/** One reviewer process run; `cost` prices it from `outputFile` (the raw stdout, 0600). */
export interface ReviewRunRecord {
  runId: string;
  role: string;
  profile: string;
  model: string;
  outputFile: string;
  startedAt: string;
  endedAt: string;
  try: number;
  chunk: number;
  ok: boolean;
  exitCode: number | null;
  error?: string;
  usage?: ReviewerUsage | null;
}

export interface DiffSummary {
  base: string;
  head: string;
  files: number;
  bytes: number;
  /** Parts the diff was reviewed in (1 when it fit). */
  chunks: number;
  truncated: boolean;
  /** Files whose diff was not shown to the reviewers (beyond the cap); they are still in the file list. */
  omittedFiles: string[];
}

export interface PostedReview {
  forge: 'local' | 'github';
  ok: boolean;
  at: string;
  comments: number;
  error?: string;
}

/** `task.review` (see docs/engine.md). */
export interface ReviewRecord {
  runId: string;
  runAt: string;
  /** The attempt whose branch was reviewed. */
  attempt: number;
  diff: DiffSummary;
  /** Said in the result: e.g. the diff was too large and reviewed in parts or truncated. */
  notes: string[];
  roles: string[];
  /** Roles with at least one usable answer in this review. */
  succeeded: string[];
  findings: MergedFinding[];
  errors: ReviewError[];
  /** Findings present in reviewer output but invalid (dropped). */
  dropped: number;
  /** Every reviewer process run for this task, oldest first (kept across reviews for cost). */
  runs: ReviewRunRecord[];
  posted?: PostedReview;
  /** Findings of the previous review whose lines the next attempt changed were counted (attempt n). */
  actedOnCheckedAttempt?: number;
}

/** The task's review record, when it has a usable one. */
export function reviewOf(task: Task): ReviewRecord | null {
  const r = (task as { review?: unknown }).review;
  if (!r || typeof r !== 'object' || !Array.isArray((r as ReviewRecord).findings)) return null;
  return r as ReviewRecord;
}

export function setReview(task: Task, review: ReviewRecord): void {
  (task as { review?: ReviewRecord }).review = review;
}
