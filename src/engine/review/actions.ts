import { UsageError } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { assertTaskId } from '../core/index.js';
import type { Task } from '../core/index.js';
import { calibrationFile, readCalibration, recordOutcomes, type OutcomeRecord } from './calibration.js';
import type { FindingMark, MergedFinding } from './consensus.js';
import { applyFolding } from './fold.js';
import { reviewOf, type ReviewRecord } from './types.js';

/** The human's side: dismiss a finding (the gate ignores it), mark it useful or noise (calibration). */

/** Finds a finding by id or unique id prefix (at least 4 characters). */
export function findFinding(review: ReviewRecord, taskId: string, ref: string): MergedFinding {
  const exact = review.findings.find((f) => f.id === ref);
  if (exact) return exact;
  const matches = ref.length >= 4 ? review.findings.filter((f) => f.id.startsWith(ref)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) throw new UsageError(`finding "${ref}" of task ${taskId} is ambiguous (${matches.map((m) => m.id).join(', ')})`);
  throw new UsageError(`task ${taskId} has no finding "${ref}" (see \`flotilla review show ${taskId} --all\`)`);
}

function requireReview(task: Task): ReviewRecord {
  const review = reviewOf(task);
  if (!review) throw new UsageError(`task ${task.id} has not been reviewed yet (run \`flotilla review ${task.id}\`)`);
  return review;
}

async function updateReview<T>(ctx: FleetContext, taskId: string, change: (review: ReviewRecord, task: Task) => T): Promise<T> {
  assertTaskId(taskId, 'task');
  return ctx.registry.updateTask(taskId, (task) => {
    const review = requireReview(task);
    const result = change(review, task);
    task.updatedAt = new Date().toISOString();
    return result;
  });
}

export async function dismissFinding(ctx: FleetContext, taskId: string, ref: string, undo = false): Promise<MergedFinding> {
  return updateReview(ctx, taskId, (review) => {
    const f = findFinding(review, taskId, ref);
    if (undo) delete f.dismissed;
    else f.dismissed = true;
    return { ...f };
  });
}

export async function markFinding(ctx: FleetContext, taskId: string, ref: string, mark: FindingMark): Promise<MergedFinding> {
  if (mark !== 'useful' && mark !== 'noise') throw new UsageError(`mark must be "useful" or "noise", not "${String(mark)}"`);
  const file = calibrationFile(ctx.paths);
  let outcomes: OutcomeRecord[] = [];
  const marked = await updateReview(ctx, taskId, (review) => {
    const f = findFinding(review, taskId, ref);
    f.mark = mark;
    outcomes = f.sources.map((s) => ({ model: s.model, role: s.role, key: `${taskId}:${f.id}`, outcome: mark }));
    return { ...f };
  });
  const calibration = await recordOutcomes(file, outcomes);
  // Calibration changed: refresh what is folded on this task's review.
  await updateReview(ctx, taskId, (review) => applyFolding(review, calibration, ctx.config));
  return marked;
}

export async function currentCalibration(ctx: FleetContext) {
  return readCalibration(calibrationFile(ctx.paths));
}
