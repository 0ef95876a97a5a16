import type { FleetContext } from '../core/index.js';
import { assertTaskId } from '../core/index.js';
import { calibrationFile, recordOutcomes, type OutcomeRecord } from './calibration.js';
import type { MergedFinding } from './consensus.js';
import { reviewOf } from './types.js';

/**
 * "Acted on": a finding of the review of attempt k whose lines the next attempt changed. Computed
 * from `git diff -U0 <branch k> <branch k+1>`: the old-side line ranges of each hunk, per file.
 */

export interface ChangedRanges {
  /** Old path -> [start, end] line ranges changed (inclusive; an insertion is the line it follows). */
  byFile: Map<string, Array<[number, number]>>;
}

export function parseChangedRanges(diff: string): ChangedRanges {
  const byFile = new Map<string, Array<[number, number]>>();
  let current: Array<[number, number]> | null = null;
  for (const line of diff.split('\n')) {
    if (line.startsWith('diff --git ')) {
      current = null;
      continue;
    }
    if (line.startsWith('--- ')) {
      const path = line.slice(4).trim();
      if (path === '/dev/null') current = null;
      else {
        const file = path.replace(/^a\//, '');
        current = byFile.get(file) ?? [];
        byFile.set(file, current);
      }
      continue;
    }
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(line);
    if (hunk && current) {
      const start = Number(hunk[1]);
      const count = hunk[2] === undefined ? 1 : Number(hunk[2]);
      current.push(count === 0 ? [start, start + 1] : [start, start + count - 1]);
    }
  }
  return { byFile };
}

/** True when the next attempt changed the finding's line (±1) or, for a file-level finding, the file. */
export function wasActedOn(f: Pick<MergedFinding, 'file' | 'line' | 'sources'>, changed: ChangedRanges): boolean {
  const ranges = changed.byFile.get(f.file);
  if (!ranges?.length) return false;
  if (f.line === 0) return true;
  const lines = new Set([f.line, ...(f.sources ?? []).map((s) => s.line)]);
  return ranges.some(([a, b]) => [...lines].some((l) => l + 1 >= a && l - 1 <= b));
}

/**
 * Counts the findings of the task's last review (attempt k) that attempt k+1 (or the latest later
 * attempt) acted on: sets `actedOn` on them and records "acted" outcomes in calibration. Idempotent.
 * Returns the ids acted on; [] when there is no later attempt to compare.
 */
export async function recordActedOn(ctx: FleetContext, taskId: string): Promise<string[]> {
  assertTaskId(taskId, 'task');
  const data = await ctx.registry.read();
  const task = data.tasks.find((t) => t.id === taskId);
  const review = task && reviewOf(task);
  if (!task || !review) return [];
  const reviewed = task.attempts.find((a) => a.n === review.attempt);
  const next = task.attempts.filter((a) => a.n > review.attempt).sort((a, b) => a.n - b.n)[0];
  if (!reviewed || !next || review.actedOnCheckedAttempt === next.n) return [];
  const r = await ctx.git.raw(ctx.paths.root, ['diff', '-U0', '--no-color', '--no-ext-diff', '--no-renames', reviewed.branch, next.branch]);
  if (r.exitCode !== 0) return [];
  const changed = parseChangedRanges(r.stdout);
  const acted = review.findings.filter((f) => wasActedOn(f, changed));
  const outcomes: OutcomeRecord[] = acted.flatMap((f) =>
    f.sources.map((s) => ({ model: s.model, role: s.role, key: `${taskId}:${f.id}`, outcome: 'acted' as const })),
  );
  if (outcomes.length) await recordOutcomes(calibrationFile(ctx.paths), outcomes);
  const ids = new Set(acted.map((f) => f.id));
  await ctx.registry.updateTask(taskId, (t) => {
    const current = reviewOf(t);
    if (!current || current.runId !== review.runId) return;
    for (const f of current.findings) if (ids.has(f.id)) f.actedOn = true;
    current.actedOnCheckedAttempt = next.n;
  });
  return [...ids];
}
