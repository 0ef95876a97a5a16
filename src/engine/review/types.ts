import type { Task } from '../core/index.js';

// The review record is persisted in task.review: its shapes live with the registry schema.
export type { DiffSummary, PostedReview, ReviewError, ReviewRecord, ReviewRunRecord } from '../core/index.js';
import type { ReviewRecord } from '../core/index.js';

/** The task's review record, when it has a usable one. */
export function reviewOf(task: Task): ReviewRecord | null {
  return task.review ?? null;
}

export function setReview(task: Task, review: ReviewRecord): void {
  task.review = review;
}
