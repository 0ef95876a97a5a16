import { gitArgs } from '../git/index.js';
import { checkFileName, runAttemptCheck } from '../forge/index.js';
import { missingHeadings, readPrTemplate } from '../forge/index.js';
import { processAlive as pidAlive } from '../exec/index.js';
import { taskPath, attemptFiles } from '../core/index.js';
import { matchGlobs } from './glob.js';
import { listImages, screenshotsDir } from '../core/index.js';
import type { GateEvaluator, GateEvaluators, GateOutcome } from './types.js';
import { attemptEnv } from '../workspace/index.js';

/** `pr`: a PR exists and its description keeps the template's headings. */
export const prGate: GateEvaluator = async ({ ctx, pr, prProblem }, spec) => {
  if (!pr) return { state: 'pending', detail: prProblem ?? 'no PR yet' };
  if (pr.state === 'closed') return { state: 'fail', detail: `PR #${pr.number} was closed without merging` };
  if (spec.kind === 'builtin' && spec.requireTemplate !== false) {
    const template = await readPrTemplate(ctx.paths.root);
    const missing = template ? missingHeadings(template, pr.body) : [];
    if (missing.length) return { state: 'fail', detail: `PR #${pr.number} description lacks template headings: ${missing.join(', ')}` };
  }
  return { state: 'pass', detail: `PR #${pr.number}${pr.url ? ` ${pr.url}` : ''}` };
};

/** `rebased`: base is an ancestor of the branch, and merging would not conflict. */
export const rebasedGate: GateEvaluator = async ({ task, probe, attempt }) => {
  if (probe.baseRewritten) {
    const was = attempt.baseCommit ? ` (${attempt.baseCommit.slice(0, 12)}, where this attempt started, is no longer on ${task.base})` : '';
    // Not a conflict an agent should resolve from its branch (which may carry what base dropped):
    // a class that is not retried automatically, and whose retry starts again from base.
    return { state: 'fail', detail: `base was rewritten: review what changed${was}`, failureClass: 'off_track' };
  }
  if (probe.behind === 0) return { state: 'pass', detail: `up to date with ${task.base}` };
  if (probe.conflicts === null) return { state: 'pending', detail: `${probe.behind} commits behind ${task.base}; conflicts not checked` };
  if (probe.conflicts.length) {
    return { state: 'fail', detail: `conflicts with ${task.base} in ${probe.conflicts.join(', ')}`, files: probe.conflicts };
  }
  return { state: 'fail', detail: `${probe.behind} commits behind ${task.base} (merges cleanly; rebase needed)` };
};

/** `ci`: every check passing (from the forge). */
export const ciGate: GateEvaluator = async ({ ci }) => {
  if (!ci) return { state: 'pending', detail: 'CI not started' };
  if ('degraded' in ci) return { state: 'pending', detail: ci.degraded };
  if (ci.state !== 'fail') return { state: ci.state, detail: ci.detail };
  // The failed checks' last output becomes the failure evidence (what recovery hands the next attempt).
  const output = ci.checks
    .filter((c) => c.state === 'fail')
    .map((c) => {
      const text = c.output;
      return `--- ${c.name}${c.log ? ` (${c.log})` : ''}${text ? `\n${text}` : ''}`;
    })
    .join('\n');
  return { state: 'fail', detail: ci.detail, output };
};

/** `reviews` until the review capability supplies its evaluator. */
export const reviewsUnavailable: GateEvaluator = async () => ({ state: 'skip', detail: 'reviews not available' });

/**
 * `screenshots`: when the diff touches uiGlobs, an image in the PR body, in the attempt's
 * screenshotsDir (the folder the worker is told about) or in .flotilla/screenshots/<task>/ of the
 * repository (for a human adding one).
 */
export const screenshotsGate: GateEvaluator = async ({ ctx, task, attempt, probe, pr }, spec) => {
  const globs = spec.kind === 'builtin' ? (spec.uiGlobs ?? []) : [];
  if (!globs.length) return { state: 'skip', detail: 'no uiGlobs configured' };
  if (!probe.baseSha || !probe.headSha) return { state: 'pending', detail: 'branch not readable' };
  const names = (await ctx.git.run(ctx.paths.root, gitArgs.diffNames(`${probe.baseSha}...${probe.headSha}`))).split('\0').filter(Boolean);
  const ui = matchGlobs(names, globs);
  if (!ui.length) return { state: 'skip', detail: 'no UI files changed' };
  if (pr && (/!\[[^\]]*\]\([^)]+\)/.test(pr.body) || /<img\s/i.test(pr.body))) return { state: 'pass', detail: 'image in the PR description' };
  const told = screenshotsDir(attempt.worktree);
  for (const dir of [told, taskPath(ctx.paths.stateDir, 'screenshots', task.id)]) {
    const files = await listImages(dir);
    if (files.length) return { state: 'pass', detail: `${files.length} screenshot(s) in ${dir}/` };
  }
  return { state: 'fail', detail: `UI files changed (${ui.slice(0, 3).join(', ')}${ui.length > 3 ? ', …' : ''}) but no screenshot: save an image in ${told}/ or add one to the PR description` };
};

/** A custom gate command, run in the worktree once per head commit. */
export const commandGate: GateEvaluator = async ({ ctx, task, attempt, probe, spawn, signal }, spec) => {
  if (spec.kind !== 'command') return { state: 'skip', detail: 'not a command gate' };
  const previous = task.gates[spec.name];
  if (previous && previous.headSha === probe.headSha && (previous.state === 'pass' || previous.state === 'fail')) {
    return { ...previous } as GateOutcome;
  }
  // Claimed under the registry lock, like CI checks: one process runs a gate command per head.
  const head = probe.headSha ?? '';
  const claimed = await ctx.registry.updateTask(task.id, (t) => {
    const g = t.gates[spec.name];
    if (g && g.headSha === head && (g.state === 'pass' || g.state === 'fail')) return false;
    if (g && g.headSha === head && g.claim && g.claim.pid !== process.pid && pidAlive(g.claim.pid)) return false;
    t.gates[spec.name] = { state: 'pending', detail: 'running', since: new Date().toISOString(), headSha: head, claim: { pid: process.pid, at: new Date().toISOString() } };
    return true;
  });
  if (!claimed) return { state: 'pending', detail: 'running in another flotilla process', headSha: head };
  const logFile = attemptFiles(ctx.paths, task.id, attempt.n).run(`gate-${checkFileName(spec.name)}.log`);
  // Where the attempt lives: on its host for an attempt there.
  const out = await runAttemptCheck(ctx, attempt, spec, { logFile, env: attemptEnv(ctx.paths.root, task.id, attempt), taskId: task.id, ...(spawn ? { spawn } : {}), ...(signal ? { signal } : {}) });
  if (out.cancelled) return { state: 'pending', detail: 'cancelled', headSha: head };
  return { state: out.state, detail: out.detail, headSha: probe.headSha ?? undefined, log: out.log, output: out.tail };
};

export const BUILTIN_EVALUATORS: GateEvaluators = {
  pr: prGate,
  rebased: rebasedGate,
  ci: ciGate,
  reviews: reviewsUnavailable,
  screenshots: screenshotsGate,
};
