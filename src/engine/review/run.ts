import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReviewerConfig } from '../core/index.js';
import { FlotillaError, TaskNotFoundError, UsageError, errorMessage, requireTask } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';
import { assertTaskId } from '../core/index.js';
import { taskPath } from '../core/index.js';
import type { Task } from '../core/index.js';
import { recordActedOn } from './acted-on.js';
import { calibrationFile, readCalibration, trustFrom } from './calibration.js';
import { buildConsensus, type SourcedFinding } from './consensus.js';
import { diffNotes, prepareDiff, type DiffPart, type PreparedDiff } from './diff.js';
import { runCommand } from '../exec/index.js';
import { judgeReviewerTry, keptFromPrevious } from './decide.js';
import { applyFolding } from './fold.js';
import { parseReviewerOutput } from './parse.js';
import { localPrReview, postToGithub } from './post.js';
import { reviewPrompt } from './prompt.js';
import { reviewerArgv, reviewerSpec, reviewersOf, type ReviewerSpec } from './roles.js';
import { reviewOf, setReview, type ReviewError, type ReviewRecord, type ReviewRunRecord } from './types.js';

/**
 * One review run: every role reviews the PR's branch (the latest attempt's worktree) against its
 * base, non-interactively, through the admission queue. A reviewer that times out, exits non-zero
 * or prints nonsense is retried once, then recorded as one reviewer error; the run goes on.
 */

export const MAX_TRIES = 2;
/** Reviewer runs kept in task.review.runs across reviews (for cost). */
const MAX_RUNS_KEPT = 500;
/** Output kept from one reviewer run (stdout holds its findings). */
const REVIEWER_MAX_OUTPUT = 32 * 1024 * 1024;

export interface RunReviewOptions {
  /** Review with these roles only. */
  roles?: string[];
  signal?: AbortSignal;
  /** Characters of diff per reviewer prompt (default PART_CAP); tests use a small one. */
  partCap?: number;
  /** Called when a reviewer process starts and when it ends (for a live progress line). */
  onProgress?: (event: ReviewProgress) => void;
}

/** One reviewer process starting or ending. `error` is set on a failed end (the CLI's own words). */
export type ReviewProgress =
  | { kind: 'start'; role: string; profile: string; model: string; part: number; parts: number; try: number }
  | { kind: 'end'; role: string; profile: string; model: string; part: number; parts: number; try: number; ok: boolean; ms: number; findings?: number; error?: string };

function fileSafe(role: string): string {
  return role.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'reviewer';
}

function newRunId(): string {
  const t = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${t}-${randomBytes(2).toString('hex')}`;
}

interface RoleOutcome {
  findings: SourcedFinding[];
  errors: ReviewError[];
  runs: ReviewRunRecord[];
  dropped: number;
  ok: boolean;
}

interface RoleContext {
  ctx: FleetContext;
  task: Task;
  spec: ReviewerSpec;
  runId: string;
  runDir: string;
  cwd: string;
  title: string;
  description: string;
  diff: PreparedDiff;
  signal?: AbortSignal;
  onProgress?: (event: ReviewProgress) => void;
}

async function runPart(rc: RoleContext, part: DiffPart, out: RoleOutcome): Promise<void> {
  const { ctx, spec } = rc;
  const name = fileSafe(spec.role) + (part.index > 1 ? `-part${part.index}` : '');
  const prompt = reviewPrompt({ role: spec.role, focus: spec.focus, title: rc.title, description: rc.description, diff: rc.diff, part });
  const promptFile = join(rc.runDir, `${name}.prompt.md`);
  await writeFileAtomic(promptFile, prompt);
  const argv = reviewerArgv(spec.command, { prompt, promptFile, model: spec.model });
  let lastError = '';
  let tries = 0;
  for (let attempt = 1; attempt <= MAX_TRIES; attempt++) {
    tries = attempt;
    const outputFile = join(rc.runDir, `${name}${attempt > 1 ? `.try${attempt}` : ''}.out`);
    const ticket = await ctx.admission?.acquire(
      { kind: 'review', key: `review:${spec.profile}:${spec.modelKey}`, label: `review ${spec.role} ${rc.task.id}`, taskId: rc.task.id },
      rc.signal,
    );
    const startedAt = new Date().toISOString();
    const where = { role: spec.role, profile: spec.profile, model: spec.modelKey, part: part.index, parts: rc.diff.parts.length, try: attempt };
    rc.onProgress?.({ kind: 'start', ...where });
    let result;
    try {
      // Its own process group: the timeout and a stop end the reviewer and whatever it started.
      result = await runCommand({
        argv,
        cwd: rc.cwd,
        maxBuffer: REVIEWER_MAX_OUTPUT,
        timeoutMs: spec.timeoutMs,
        env: { ...spec.env, FLOTILLA_TASK: rc.task.id, FLOTILLA_REPO: ctx.paths.root, FLOTILLA_REVIEW_ROLE: spec.role, FLOTILLA_REVIEW_PART: String(part.index) },
        onPid: (pid) => ticket?.trackPid(pid),
        signal: rc.signal,
        // No reviewer process outlives its run (a child it spawned that outlived it or ignored SIGTERM).
        killLeftovers: true,
      });
    } finally {
      await ticket?.release();
    }
    const endedAt = new Date().toISOString();
    await writeFileAtomic(outputFile, result.stdout);
    const run: ReviewRunRecord = {
      runId: rc.runId,
      role: spec.role,
      profile: spec.profile,
      model: spec.modelKey,
      outputFile,
      startedAt,
      endedAt,
      try: attempt,
      chunk: part.index,
      ok: false,
      exitCode: result.exitCode,
    };
    out.runs.push(run);
    const ms = Date.parse(endedAt) - Date.parse(startedAt);
    const judged = judgeReviewerTry({
      program: argv[0] ?? spec.profile,
      error: result.error,
      aborted: Boolean(rc.signal?.aborted),
      timedOut: result.timedOut,
      exitCode: result.exitCode,
      signal: result.signal,
      stdout: result.stdout,
      stderr: result.stderr,
      timeoutMs: spec.timeoutMs,
    });
    if (judged.kind === 'failed') lastError = judged.message;
    else {
      try {
        const parsed = parseReviewerOutput(result.stdout, spec.output);
        run.ok = true;
        run.usage = parsed.usage;
        out.dropped += parsed.dropped;
        for (const f of parsed.findings) out.findings.push({ ...f, role: spec.role, profile: spec.profile, model: spec.modelKey });
        rc.onProgress?.({ kind: 'end', ...where, ok: true, ms, findings: parsed.findings.length });
        return;
      } catch (err) {
        lastError = `${argv[0]}: ${errorMessage(err)}`;
      }
    }
    rc.onProgress?.({ kind: 'end', ...where, ok: false, ms, error: lastError });
    run.error = lastError;
    if (judged.kind === 'failed' && !judged.tryAgain) break;
  }
  out.ok = false;
  out.errors.push({
    role: spec.role,
    profile: spec.profile,
    model: spec.modelKey,
    message: lastError,
    tries,
    ...(rc.diff.parts.length > 1 ? { chunk: part.index } : {}),
  });
}

async function runRole(rc: RoleContext): Promise<RoleOutcome> {
  const out: RoleOutcome = { findings: [], errors: [], runs: [], dropped: 0, ok: true };
  for (const part of rc.diff.parts) {
    try {
      await runPart(rc, part, out);
    } catch (err) {
      out.ok = false;
      out.errors.push({ role: rc.spec.role, profile: rc.spec.profile, model: rc.spec.modelKey, message: errorMessage(err), tries: 0 });
    }
  }
  // A role succeeded when at least one part gave a usable answer.
  out.ok = out.runs.some((r) => r.ok);
  return out;
}

async function loadTask(ctx: FleetContext, taskId: string): Promise<Task> {
  return requireTask(await ctx.registry.read(), taskId);
}

/** Runs every role on the task's PR and stores the result in task.review. */
export async function runReview(ctx: FleetContext, taskId: string, options: RunReviewOptions = {}): Promise<ReviewRecord> {
  assertTaskId(taskId, 'task');
  let task = await loadTask(ctx, taskId);
  let roles: readonly ReviewerConfig[] = reviewersOf(ctx.config);
  if (options.roles?.length) {
    const unknown = options.roles.filter((r) => !roles.some((c) => c.role === r));
    if (unknown.length) throw new UsageError(`unknown reviewer role(s): ${unknown.join(', ')} (configured: ${roles.map((r) => r.role).join(', ')})`);
    roles = roles.filter((r) => options.roles!.includes(r.role));
  }
  if (roles.length === 0) {
    throw new UsageError(
      ctx.config.reviewers
        ? `no reviewers configured ("reviewers" in ${ctx.paths.configFile} is empty)`
        : `no reviewer to run: none of the default reviewers' CLIs (claude, codex, gemini) is installed; set "reviewers" in ${ctx.paths.configFile} (any profile, custom commands too)`,
    );
  }

  const attemptNo = task.pr?.attempt ?? task.attempts.at(-1)?.n;
  const attempt = task.attempts.find((a) => a.n === attemptNo);
  if (!attempt) throw new UsageError(`task ${taskId} has no attempt to review yet (start it first)`);
  try {
    if (!(await stat(attempt.worktree)).isDirectory()) throw new Error('not a folder');
  } catch {
    throw new UsageError(`task ${taskId}: worktree of attempt ${attempt.n} is missing: ${attempt.worktree}`);
  }
  const previous = reviewOf(task);
  if (previous && previous.attempt < attempt.n) {
    await recordActedOn(ctx, taskId);
    task = await loadTask(ctx, taskId);
  }

  const base = task.pr?.base ?? task.base;
  const diff = await prepareDiff(ctx.git, attempt.worktree, base, options.partCap);
  const runId = newRunId();
  const runDir = taskPath(ctx.paths.runsDir, taskId, `review-${runId}`);
  await ensurePrivateDir(runDir);

  const outcomes: RoleOutcome[] = [];
  const configErrors: ReviewError[] = [];
  const specs: ReviewerSpec[] = [];
  for (const r of roles) {
    try {
      specs.push(reviewerSpec(ctx.config, r));
    } catch (err) {
      configErrors.push({ role: r.role, profile: r.profile, model: r.model ?? r.profile, message: errorMessage(err), tries: 0 });
    }
  }
  if (diff.parts.length) {
    const rcBase = {
      ctx,
      task,
      runId,
      runDir,
      cwd: attempt.worktree,
      title: task.pr?.title ?? task.title,
      description: task.pr?.body ?? task.prompt,
      diff,
      signal: options.signal,
      onProgress: options.onProgress,
    };
    outcomes.push(...(await Promise.all(specs.map((spec) => runRole({ ...rcBase, spec })))));
  }
  if (options.signal?.aborted) throw new FlotillaError(`review of ${taskId} cancelled; nothing was stored`);

  // `--role` re-runs some reviewers: the other roles' word on the same commit still stands, so a
  // re-run of one flaky reviewer never drops another pair's agreed finding (and passes the gate).
  const rerun = new Set(roles.map((r) => r.role));
  const { kept, findings: keptFindings, roles: keptRoles } = keptFromPrevious(previous, { roles: options.roles, rerun, attempt: attempt.n, head: diff.head });

  const calibration = await readCalibration(calibrationFile(ctx.paths));
  const findings = buildConsensus(
    [...keptFindings, ...outcomes.flatMap((o) => o.findings)],
    trustFrom(calibration),
  );
  const notes = diffNotes(diff);
  if (kept && keptRoles.length) notes.push(`kept the findings of ${keptRoles.join(', ')} from the review of ${kept.runAt} (same commit); re-ran ${[...rerun].join(', ')}`);
  if (!diff.parts.length) notes.push(`nothing to review: no changes between ${base} and attempt ${attempt.n}`);
  const record: ReviewRecord = {
    runId,
    runAt: new Date().toISOString(),
    attempt: attempt.n,
    diff: {
      base: diff.base,
      head: diff.head,
      files: diff.fileList.length,
      bytes: diff.bytes,
      chunks: diff.parts.length,
      truncated: diff.truncated,
      omittedFiles: diff.omittedFiles,
    },
    notes,
    roles: [...keptRoles, ...roles.map((r) => r.role)],
    succeeded: [...(kept?.succeeded.filter((r) => !rerun.has(r)) ?? []), ...specs.filter((_, i) => outcomes[i]?.ok).map((s) => s.role)],
    findings,
    errors: [...(kept?.errors.filter((e) => !rerun.has(e.role)) ?? []), ...configErrors, ...outcomes.flatMap((o) => o.errors)],
    dropped: outcomes.reduce((n, o) => n + o.dropped, 0),
    runs: outcomes.flatMap((o) => o.runs),
  };
  if (!diff.parts.length) record.succeeded = record.roles.slice();

  const saved = await saveReview(ctx, taskId, record, calibration);
  if (saved.pr?.forge === 'github') {
    const posted = await postToGithub(ctx.runner, attempt.worktree, saved.pr, saved.review, diff.head);
    await ctx.registry.updateTask(taskId, (t) => {
      const r = reviewOf(t);
      if (r?.runId === runId) r.posted = posted;
    });
    saved.review.posted = posted;
  }
  return saved.review;
}

/** Stores the review under the registry lock, keeping the human's dismissals and marks by finding id. */
async function saveReview(ctx: FleetContext, taskId: string, record: ReviewRecord, calibration: Parameters<typeof applyFolding>[1]) {
  try {
    return await ctx.registry.updateTask(taskId, (task) => {
      const previous = reviewOf(task);
      const byId = new Map(previous?.findings.map((f) => [f.id, f]) ?? []);
      for (const f of record.findings) {
        const old = byId.get(f.id);
        if (old?.dismissed) f.dismissed = true;
        if (old?.mark) f.mark = old.mark;
      }
      applyFolding(record, calibration, ctx.config);
      record.runs = [...(previous?.runs ?? []), ...record.runs].slice(-MAX_RUNS_KEPT);
      setReview(task, record);
      const now = new Date().toISOString();
      if (task.pr?.forge === 'local') {
        task.pr.review = localPrReview(record);
        record.posted = { forge: 'local', ok: true, at: now, comments: localPrReview(record).comments.length };
      }
      task.updatedAt = now;
      return { review: record, pr: task.pr };
    });
  } catch (err) {
    if (err instanceof TaskNotFoundError) throw new UsageError(`task ${taskId} was removed during its review`);
    throw err;
  }
}
