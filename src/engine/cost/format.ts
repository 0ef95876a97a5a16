import type { Task } from '../core/index.js';
import { roundUsd } from './prices.js';
import type { TaskCost } from './types.js';

/** "$0.33", "$0.0042", "unknown", or "≥$1.20 (unknown)" when part of the usage has no price. */
export function formatUsd(usd: number | null, known?: number): string {
  if (usd === null) return known ? `≥$${known.toFixed(2)} (unknown)` : 'unknown';
  return usd < 0.01 && usd > 0 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** "950", "12.3k", "4.1M". */
export function formatTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** The task's last refreshed cost, or null (also for a registry written by something else). */
export function taskCost(task: Task): Pick<TaskCost, 'usd' | 'usdKnown' | 'tokens'> | null {
  const c = task.cost;
  if (!c || c.tokens === undefined || !c.byAttempt) return null;
  return { usd: c.usd, usdKnown: c.usdKnown ?? 0, tokens: c.tokens };
}

/**
 * Fleet totals from the `task.cost` fields already in the store (no log reading): for a TUI
 * header or Cost panel. A completed PR is a task in `ready` or with a merged PR.
 */
export function fleetCostSummary(tasks: readonly Task[]): {
  usd: number | null;
  usdKnown: number;
  tokens: number;
  perCompletedPr: { prs: number; usd: number | null };
} {
  let usd: number | null = 0;
  let usdKnown = 0;
  let tokens = 0;
  let doneUsd: number | null = 0;
  let prs = 0;
  for (const t of tasks) {
    const c = taskCost(t);
    if (!c) continue;
    usd = usd === null || c.usd === null ? null : usd + c.usd;
    usdKnown += c.usdKnown ?? 0;
    tokens += c.tokens;
    if (t.state === 'ready' || t.pr?.state === 'merged') {
      prs += 1;
      doneUsd = doneUsd === null || c.usd === null ? null : doneUsd + c.usd;
    }
  }
  return {
    usd: usd === null ? null : roundUsd(usd),
    usdKnown: roundUsd(usdKnown),
    tokens,
    perCompletedPr: { prs, usd: prs && doneUsd !== null ? roundUsd(doneUsd / prs) : null },
  };
}
