import { UsageError, errorMessage } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { createLocalForge } from '../forge/index.js';
import { mergeLocalPr } from '../forge/index.js';
import type { SpawnCheck } from '../forge/index.js';
import { isDegraded } from '../forge/index.js';
import { failAttempt } from '../monitor/index.js';
import { conflictsWith, probeAttempt, readBranchTips } from '../git/index.js';
import { recommendedOrder } from '../radar/index.js';
import type { Task } from '../core/index.js';

/** One car of the train: what happened to it. */
export interface TrainStep {
  taskId: string;
  outcome: 'merged' | 'failed' | 'skipped';
  detail: string;
  /** The PR number. */
  pr?: number;
  /** What merged into base just before (the sibling a failure is blamed on). */
  after?: string | null;
}

export interface TrainResult {
  order: string[];
  steps: TrainStep[];
  /** The task that stopped the train, if one did. */
  stoppedAt: string | null;
}

export interface TrainOptions {
  spawn?: SpawnCheck;
  /** Sends a failed task through recovery (retry with enrichment, or escalate past the cap). */
  recover?: (taskId: string) => Promise<string | null>;
  /** Progress lines (one per step). */
  onStep?: (step: TrainStep) => void;
}

/** Checks the given ids (or picks every ready task) and returns them in merge order. */
export function trainOrder(tasks: readonly Task[], ids: readonly string[]): Task[] {
  if (ids.length === 0) {
    const ready = tasks.filter((t) => t.state === 'ready' && t.pr?.state === 'open');
    if (ready.length === 0) throw new UsageError('no ready task with an open PR to merge');
    return recommendedOrder(ready);
  }
  const seen = new Set<string>();
  return ids.map((id) => {
    if (seen.has(id)) throw new UsageError(`${id} is named twice`);
    seen.add(id);
    const t = tasks.find((x) => x.id === id);
    if (!t) throw new UsageError(`no task "${id}" (see \`flotilla status\`)`);
    if (!t.pr || t.pr.state !== 'open') throw new UsageError(`task ${id} has no open PR${t.pr ? ` (PR #${t.pr.number} is ${t.pr.state})` : ''}`);
    if (t.state !== 'ready') throw new UsageError(`task ${id} is ${t.state}, not ready; only ready PRs are merged`);
    return t;
  });
}

/**
 * The merge train on the local forge: merges ready PRs into their base one at a time. Before each
 * merge, a PR whose branch no longer contains its base (a sibling merged before it) is brought up to
 * date: `git merge-tree` first (a conflict stops the train), then the base merged into the branch in
 * its worktree and the checks run again on that head. The first failure stops the train; that task
 * is failed with the sibling named in the evidence and handed to recovery. Only the human starts it.
 */
export async function runLocalTrain(ctx: FleetContext, ids: readonly string[], options: TrainOptions = {}): Promise<TrainResult> {
  const order = trainOrder((await ctx.registry.read()).tasks, ids);
  const steps: TrainStep[] = [];
  let previous: string | null = null;
  const merged: string[] = [];
  const record = (step: TrainStep) => {
    steps.push(step);
    options.onStep?.(step);
  };
  for (const planned of order) {
    const id = planned.id;
    const failure = await bringUpToDate(ctx, id, merged, options);
    if (failure) {
      const recovery = options.recover ? await options.recover(id).catch((err: unknown) => `recovery failed: ${errorMessage(err)}`) : null;
      record({ taskId: id, outcome: 'failed', detail: recovery ? `${failure}; ${recovery}` : failure, pr: planned.pr!.number, after: previous });
      for (const rest of order.slice(order.indexOf(planned) + 1)) {
        record({ taskId: rest.id, outcome: 'skipped', detail: `not merged: the train stopped at ${id}`, pr: rest.pr!.number });
      }
      return { order: order.map((t) => t.id), steps, stoppedAt: id };
    }
    const done = await mergeLocalPr(ctx, id);
    record({ taskId: id, outcome: 'merged', detail: `PR #${done.number} merged into ${done.base} (${done.sha.slice(0, 8)})`, pr: done.number, after: previous });
    previous = id;
    merged.push(id);
  }
  return { order: order.map((t) => t.id), steps, stoppedAt: null };
}

/**
 * Makes the task's branch contain its base and its checks pass there. Returns null when it may be
 * merged, else the failure (already recorded on the attempt: class conflicts or ci_failed).
 */
/**
 * Which task merged earlier in this train caused the trouble: one the radar saw changing the
 * given files (or, without files, any it saw overlapping), else the one merged just before.
 */
export function blameSibling(task: Task, merged: readonly string[], files: readonly string[]): string | null {
  const overlapping = (task.overlaps ?? []).filter((o) => merged.includes(o.task));
  const touching = files.length ? overlapping.filter((o) => o.files.some((f) => files.includes(f))) : overlapping;
  const pick = touching.find((o) => o.conflicts.length) ?? touching[0];
  return pick?.task ?? merged.at(-1) ?? null;
}

async function bringUpToDate(ctx: FleetContext, id: string, merged: readonly string[], options: TrainOptions): Promise<string | null> {
  const root = ctx.paths.root;
  const task = (await ctx.registry.read()).tasks.find((t) => t.id === id)!;
  const attempt = task.attempts.at(-1)!;
  const tips = await readBranchTips(ctx.git, root);
  const baseSha = tips.get(`refs/heads/${task.base}`);
  const headSha = tips.get(`refs/heads/${attempt.branch}`);
  if (!baseSha || !headSha) throw new UsageError(`task ${id}: branch ${baseSha ? attempt.branch : task.base} does not exist`);
  const upToDate = (await ctx.git.raw(root, ['merge-base', '--is-ancestor', baseSha, headSha])).exitCode === 0;
  if (upToDate) return null;
  const conflicts = await conflictsWith(ctx.git, root, baseSha, headSha);
  const sibling = blameSibling(task, merged, conflicts);
  const blame = sibling ? ` after ${sibling} was merged` : '';
  if (conflicts.length) {
    const evidence = `conflicts with ${task.base}${blame} in ${conflicts.join(', ')}`;
    await fail(ctx, id, attempt.n, 'conflicts', evidence, sibling);
    return evidence;
  }
  // Update the branch, as GitHub's "Update branch" does: base merged into it, in its own worktree.
  const message = `Merge ${task.base} into ${attempt.branch}${blame} (flotilla merge)`;
  const r = await ctx.git.raw(attempt.worktree, ['merge', '--no-ff', '--no-edit', '-m', message, baseSha]);
  if (r.exitCode !== 0) {
    await ctx.git.raw(attempt.worktree, ['merge', '--abort']);
    const evidence = `could not merge ${task.base} into ${attempt.branch}${blame}: ${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''}`;
    await fail(ctx, id, attempt.n, 'conflicts', evidence, sibling);
    return evidence;
  }
  const fresh = (await ctx.registry.read()).tasks.find((t) => t.id === id)!;
  const probe = await probeAttempt(ctx.git, { repoRoot: root, task: fresh, attempt: fresh.attempts.at(-1)!, tips: await readBranchTips(ctx.git, root), status: false });
  const forge = createLocalForge(options.spawn ? { spawn: options.spawn } : {});
  const target = { task: fresh, attempt: fresh.attempts.at(-1)!, probe };
  const pr = await forge.ensurePr(ctx, target);
  if (isDegraded(pr)) throw new UsageError(pr.degraded);
  const ci = await forge.ci(ctx, { ...target, task: { ...fresh, pr } }, pr);
  if (isDegraded(ci)) throw new UsageError(ci.degraded);
  if (ci.state === 'pass' || ci.state === 'skip') return null;
  const evidence = `checks failed on ${task.base}${blame}: ${ci.detail}`;
  await fail(ctx, id, attempt.n, 'ci_failed', evidence, sibling);
  return evidence;
}

async function fail(ctx: FleetContext, id: string, n: number, cls: 'conflicts' | 'ci_failed', evidence: string, sibling: string | null): Promise<void> {
  await ctx.registry.updateTask(id, (t) => {
    const a = t.attempts.find((x) => x.n === n);
    if (!a) return;
    failAttempt(t, a, cls, evidence, new Date());
    if (sibling && a.failure) a.failure.sibling = sibling;
    if (cls === 'ci_failed') t.gates.ci = { state: 'fail', detail: evidence.slice(0, 300) };
  });
}

/** The github forge: `gh pr merge` for each PR in the same order (gh queues it where the repository has a merge queue). */
export async function runGithubTrain(ctx: FleetContext, ids: readonly string[], options: { gh?: string; onStep?: (s: TrainStep) => void } = {}): Promise<TrainResult> {
  const order = trainOrder((await ctx.registry.read()).tasks, ids);
  const steps: TrainStep[] = [];
  for (const t of order) {
    const number = t.pr!.number;
    const r = await ctx.runner.run(options.gh ?? 'gh', ['pr', 'merge', String(number), '--merge'], { cwd: ctx.paths.root, env: { GH_PROMPT_DISABLED: '1' }, timeoutMs: 120_000 });
    if (r.exitCode !== 0) {
      const why = r.notFound ? 'gh is not installed' : (r.stderr || r.stdout).trim().split('\n').at(-1) ?? `exit ${r.exitCode}`;
      const step: TrainStep = { taskId: t.id, outcome: 'failed', detail: `gh pr merge ${number}: ${why}`, pr: number };
      steps.push(step);
      options.onStep?.(step);
      for (const rest of order.slice(order.indexOf(t) + 1)) steps.push({ taskId: rest.id, outcome: 'skipped', detail: `not merged: the train stopped at ${t.id}`, pr: rest.pr!.number });
      return { order: order.map((x) => x.id), steps, stoppedAt: t.id };
    }
    const step: TrainStep = { taskId: t.id, outcome: 'merged', detail: `PR #${number}: ${r.stdout.trim().split('\n').at(-1) || 'merged (or queued)'}`, pr: number };
    steps.push(step);
    options.onStep?.(step);
  }
  return { order: order.map((x) => x.id), steps, stoppedAt: null };
}
