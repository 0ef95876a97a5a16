import type { Attempt, Task } from '../core/index.js';
import { findPrice, priceTokens, roundUsd, type PriceTable, type TokenCounts } from './prices.js';
import type {
  AttemptCost,
  CostReport,
  CostState,
  ReviewCost,
  ReviewUsage,
  TaskCost,
  TaskEffort,
  UsageSummary,
} from './types.js';

/** Usage of one model in one tier, as summed from buckets or a review run. */
export interface UsageItem extends TokenCounts {
  model: string;
  long: boolean;
  requests: number;
}

const zeroCounts = (): TokenCounts => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 });
const tokenSum = (t: TokenCounts) => t.input + t.output + t.cacheRead + t.cacheWrite + t.cacheWrite1h;

/** Prices a set of usage. `reportedUsd` (the agent's own figure) wins over the table when given. */
export function summarize(items: UsageItem[], prices: PriceTable, reportedUsd: number | null = null): UsageSummary {
  const byModel = new Map<string, { usd: number | null; tokens: number; requests: number }>();
  const unknown = new Set<string>();
  const breakdown = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  let known = 0;
  let requests = 0;
  for (const it of items) {
    const tokens = tokenSum(it);
    breakdown.input += it.input;
    breakdown.output += it.output;
    breakdown.cacheRead += it.cacheRead;
    breakdown.cacheWrite += it.cacheWrite + it.cacheWrite1h;
    requests += it.requests;
    const price = findPrice(prices, it.model);
    const usd = price ? priceTokens(price, it, it.long) : null;
    if (usd === null && tokens > 0) unknown.add(it.model);
    if (usd !== null) known += usd;
    const m = byModel.get(it.model) ?? { usd: 0, tokens: 0, requests: 0 };
    m.usd = m.usd === null || usd === null ? null : m.usd + usd;
    m.tokens += tokens;
    m.requests += it.requests;
    byModel.set(it.model, m);
  }
  const tokens = breakdown.input + breakdown.output + breakdown.cacheRead + breakdown.cacheWrite;
  const reported = reportedUsd !== null;
  return {
    usd: reported ? roundUsd(reportedUsd) : unknown.size ? null : roundUsd(known),
    usdKnown: roundUsd(reported ? reportedUsd : known),
    tokens,
    tokenBreakdown: breakdown,
    requests,
    unknownModels: reported ? [] : [...unknown].sort(),
    byModel: [...byModel.entries()]
      .map(([model, m]) => ({ model, usd: m.usd === null ? null : roundUsd(m.usd), tokens: m.tokens, requests: m.requests }))
      .sort((a, b) => b.tokens - a.tokens || a.model.localeCompare(b.model)),
  };
}

/** Sums several summaries: usd is null as soon as one part is unknown. */
export function combine(parts: Array<Pick<UsageSummary, 'usd' | 'usdKnown' | 'tokens' | 'unknownModels'>>): Pick<UsageSummary, 'usd' | 'usdKnown' | 'tokens' | 'unknownModels'> {
  let usd: number | null = 0;
  let usdKnown = 0;
  let tokens = 0;
  const unknown = new Set<string>();
  for (const p of parts) {
    usd = usd === null || p.usd === null ? null : usd + p.usd;
    usdKnown += p.usdKnown;
    tokens += p.tokens;
    for (const m of p.unknownModels) unknown.add(m);
  }
  return { usd: usd === null ? null : roundUsd(usd), usdKnown: roundUsd(usdKnown), tokens, unknownModels: [...unknown].sort() };
}

/** Finds the attempt whose worktree holds `cwd` (the folder itself or one below it). */
export function makeAttemptResolver(index: Map<string, { taskId: string; attempt: number }>) {
  return (cwd: string | null) => {
    if (!cwd) return null;
    let p = cwd.replace(/\/+$/, '');
    while (p) {
      const hit = index.get(p);
      if (hit) return hit;
      const cut = p.lastIndexOf('/');
      if (cut <= 0) break;
      p = p.slice(0, cut);
    }
    return null;
  };
}

function interventionCount(v: unknown): number {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.floor(v);
  if (Array.isArray(v)) return v.length;
  return 0;
}

/** Attempts, time in `running`, human interventions and CI rounds of a task. */
export function taskEffort(task: Task, now: number): TaskEffort {
  let workingMs = 0;
  const hist = [...task.history].sort((a, b) => a.at.localeCompare(b.at));
  for (let i = 0; i < hist.length; i++) {
    const t = hist[i]!;
    if (t.to !== 'running') continue;
    const end = i + 1 < hist.length ? Date.parse(hist[i + 1]!.at) : task.state === 'running' ? now : Date.parse(task.stateSince);
    const d = end - Date.parse(t.at);
    if (Number.isFinite(d) && d > 0) workingMs += d;
  }
  if (!hist.some((t) => t.to === 'running') && task.state === 'running') {
    const d = now - Date.parse(task.stateSince);
    if (Number.isFinite(d) && d > 0) workingMs += d;
  }
  let interventions = interventionCount(task.interventions);
  for (const a of task.attempts) {
    const recorded = a.interventions;
    interventions += interventionCount(recorded);
    const noteRecorded = recorded?.some((i) => i.kind === 'retry-note') ?? false;
    if (a.enrichment?.note?.trim() && !noteRecorded) interventions += 1;
  }
  return {
    attempts: task.attempts.length,
    workingMs,
    interventions,
    ciRounds: task.attempts.reduce((s, a) => s + (a.ciRounds ?? 0), 0),
  };
}

function wallMs(a: Attempt, now: number): number | null {
  if (!a.startedAt) return null;
  const start = Date.parse(a.startedAt);
  let end: number | null = a.endedAt ? Date.parse(a.endedAt) : null;
  if (end === null && a.session?.state === 'exited') end = Date.parse(a.session.since);
  if (end === null && (a.state === 'running' || (a.session && a.session.state !== 'exited'))) end = now;
  if (end === null || !Number.isFinite(end) || !Number.isFinite(start)) return null;
  return Math.max(0, end - start);
}

export interface RollupInput {
  tasks: Task[];
  state: CostState;
  prices: PriceTable;
  /** Worktree path (as stored and as resolved) -> attempt. */
  worktrees: Map<string, { taskId: string; attempt: number }>;
  now?: number;
}

/** Rolls the ledger up per attempt, review, task, and in total. */
export function rollUp(input: RollupInput): { report: CostReport; byTask: Map<string, TaskCost> } {
  const now = input.now ?? Date.now();
  const at = new Date(now).toISOString();
  const resolve = makeAttemptResolver(input.worktrees);
  const reviewSessions = new Set(Object.values(input.state.reviews).map((r) => r.sessionId).filter(Boolean));
  const perAttempt = new Map<string, UsageItem[]>();
  let unattributed = 0;
  for (const b of input.state.buckets) {
    if (b.sessionId && reviewSessions.has(b.sessionId)) continue;
    const owner = resolve(b.cwd);
    if (!owner) {
      unattributed += tokenSum(b);
      continue;
    }
    const key = `${owner.taskId}#${owner.attempt}`;
    const list = perAttempt.get(key) ?? [];
    list.push({ ...zeroCounts(), ...pickCounts(b), model: b.model, long: b.long, requests: b.requests });
    perAttempt.set(key, list);
  }
  const reviewsByTask = new Map<string, ReviewUsage[]>();
  for (const r of Object.values(input.state.reviews)) {
    const list = reviewsByTask.get(r.taskId) ?? [];
    list.push(r);
    reviewsByTask.set(r.taskId, list);
  }

  const byTask = new Map<string, TaskCost>();
  const rows: CostReport['tasks'] = [];
  for (const task of input.tasks) {
    const byAttempt: AttemptCost[] = task.attempts.map((a) => ({
      attempt: a.n,
      worktree: a.worktree,
      state: a.state,
      wallMs: wallMs(a, now),
      ciRounds: a.ciRounds ?? 0,
      ...summarize(perAttempt.get(`${task.id}#${a.n}`) ?? [], input.prices),
    }));
    const byReview: ReviewCost[] = (reviewsByTask.get(task.id) ?? [])
      .sort((a, b) => a.at.localeCompare(b.at) || a.runId.localeCompare(b.runId))
      .map((r) => ({
        runId: r.runId,
        role: r.role,
        profile: r.profile,
        model: r.model,
        attempt: r.attempt,
        ...summarize(
          r.usage.map((u) => ({ ...u, long: false })),
          input.prices,
          r.reportedUsd,
        ),
      }));
    const sum = combine([...byAttempt, ...byReview]);
    const cost: TaskCost = {
      ...sum,
      attempts: task.attempts.length,
      reviews: byReview.length,
      byAttempt,
      byReview,
      effort: taskEffort(task, now),
      at,
    };
    byTask.set(task.id, cost);
    rows.push({ id: task.id, title: task.title, state: task.state, pr: task.pr?.number ?? null, ...cost });
  }
  const total = combine(rows);
  const done = rows.filter((r) => r.state === 'ready' || input.tasks.find((t) => t.id === r.id)?.pr?.state === 'merged');
  const doneSum = combine(done);
  return {
    byTask,
    report: {
      tasks: rows,
      total,
      perCompletedPr: { prs: done.length, usd: done.length && doneSum.usd !== null ? roundUsd(doneSum.usd / done.length) : null },
      unattributedTokens: unattributed,
      malformedLines: input.state.malformed,
      absurdFiles: input.state.absurdFiles ?? [],
      at,
    },
  };
}

function pickCounts(t: TokenCounts): TokenCounts {
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, cacheWrite1h: t.cacheWrite1h };
}
