import { join } from 'node:path';
import { errorMessage, RegistryError, UsageError, attemptFiles, requireTask } from '../core/index.js';
import { withFileLock } from '../fs/index.js';
import type { FailureClass } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { assertTaskId } from '../core/index.js';
import { resolveProfile } from '../agents/index.js';
import type { Attempt, Failure, Task } from '../core/index.js';
import { transition } from '../tasks/index.js';
import { attemptPreparation, hostForAttempt, prepareAttempt, releaseAttemptSlot } from '../workspace/index.js';
import { classifyFailure } from './classify.js';
import { buildEnrichment, readTail } from './enrich.js';
import { defaultEscalationNotifier, markEscalated, type EscalationNotifier } from './escalate.js';
import { sessionAlive } from './retry-policy.js';
import { decideRetry } from './decide-retry.js';
import { stripAnsi } from './text.js';
import { newAttempt } from '../tasks/index.js';
import { reuseAttempt, reusesAttempt } from './reuse.js';

/**
 * Retry: a failed attempt becomes a new attempt N+1 in a new worktree, with an enrichment telling
 * the agent what the previous one was missing. The old worktree and branch are kept (for
 * `flotilla diff`). Capped per task (config.recovery.maxAttempts, maxCiRounds); past a cap the task
 * is escalated and the human notified once.
 */

export interface RetryOptions {
  /** The failure class, when the human says what went wrong (off_track, needs_knowledge, ...). */
  class?: FailureClass;
  /** A corrected direction. */
  note?: string;
  /** A narrowed file scope, relative to the worktree. */
  files?: string[];
  /** Documents to attach (paths relative to `cwd`). */
  docs?: string[];
  /** Where relative --doc paths are resolved; default the fleet's cwd. */
  cwd?: string;
  /** Retry past the caps (a human decision). */
  force?: boolean;
}

interface InternalOptions extends RetryOptions {
  /** Automatic retry: see autoRetryTask. */
  auto?: boolean;
}

export type RetryResult =
  | {
      outcome: 'retried';
      taskId: string;
      attempt: number;
      startPoint: string;
      class: FailureClass | null;
      kinds: string[];
      /** True when `task.start` started the new attempt; false leaves it `pending`. */
      started: boolean;
      startError?: string;
      /** Not started because no agent slot was free: the task stays queued; the next pass starts it. */
      queued?: string;
      /** The same attempt went on (after an environment failure or a pause): no new worktree. */
      reused?: boolean;
      /** What was typed into the live agent to go on (reused), when it was alive. */
      sent?: string;
    }
  | { outcome: 'escalated'; taskId: string; attempt: number; reason: string; summary: string; notified: boolean };

/** An automatic retry that was due but not made here (RecoveryDeps.deferRetry): a later pass makes it. */
export interface DeferredRetry {
  outcome: 'deferred';
  taskId: string;
  /** The failed attempt that waits for its retry. */
  attempt: number;
  class: FailureClass | null;
  reason: string;
}

/** What retry needs from the fleet: the context (upward calls come in RecoveryDeps). */
export type RecoveryFleet = FleetContext;

export interface RecoveryDeps {
  /** Starts the task's pending attempt (createFleet passes its `task.start`); without it the attempt stays pending. */
  startAttempt?: (taskId: string) => Promise<unknown>;
  notify?: EscalationNotifier;
  /** Text of the review findings for review_flagged (the review module's `reviewFindingsText(task, config)`). */
  reviewText?: (task: Task) => string;
  now?: () => Date;
  /**
   * When set, automatic retries are not made (escalations still are): each one that was due is
   * returned as `deferred` with this reason. For one-shot passes whose agents could not outlive
   * the process (pty runtime in `flotilla check`).
   */
  deferRetry?: string;
}

async function evidenceText(fleet: FleetContext, task: Task, attempt: Attempt): Promise<{ screen: string | null; log: string | null }> {
  let screen: string | null = null;
  try {
    const snap = fleet.sessions?.screen(task.id);
    if (snap) screen = stripAnsi(snap.lines.join('\n'));
  } catch {
    screen = null;
  }
  const log = await readTail(attemptFiles(fleet.paths, task.id, attempt.n).log, 64 * 1024);
  return { screen, log };
}

/** The class and evidence of the latest attempt's failure (the human's word first). */
export async function classifyLatest(fleet: FleetContext, task: Task, options: RetryOptions = {}, now = new Date()): Promise<Failure | null> {
  const last = task.attempts[task.attempts.length - 1];
  if (!last) return null;
  const { screen, log } = await evidenceText(fleet, task, last);
  let contextPatterns: string[] = [];
  try {
    contextPatterns = resolveProfile(fleet.config, task.agent).patterns?.contextExhausted ?? [];
  } catch {
    contextPatterns = [];
  }
  return classifyFailure({
    task,
    attempt: last,
    screen,
    log,
    contextPatterns,
    ...(options.class ? { given: options.class, givenEvidence: options.note ?? `set by the human` } : {}),
    now,
  });
}

async function escalate(fleet: RecoveryFleet, taskId: string, failure: Failure | null, reason: string, deps: RecoveryDeps): Promise<RetryResult> {
  const now = deps.now?.() ?? new Date();
  const notice = await fleet.registry.updateTask(taskId, (t) => {
    const last = t.attempts[t.attempts.length - 1];
    if (last && failure) last.failure = failure;
    if (last && (last.state === 'running' || last.state === 'finished')) last.state = 'failed';
    return markEscalated(t, reason, now);
  });
  let notified = false;
  try {
    notified = await (deps.notify ?? defaultEscalationNotifier)(fleet, notice);
  } catch (err) {
    fleet.events.emit({ type: 'error', message: `${taskId}: escalation notification failed: ${errorMessage(err)}` });
  }
  return { outcome: 'escalated', taskId, attempt: notice.attempt, reason, summary: notice.summary, notified };
}

/** How long a retry waits for another retry of the same task before giving up. */
const RETRY_LOCK_WAIT_MS = 2000;
/** A retry lock older than this is taken over even if its process looks alive (setup commands can be slow). */
const RETRY_LOCK_STALE_MS = 60 * 60_000;

/**
 * Retries a task: refuses while its agent runs; escalates past the caps (unless forced); otherwise
 * creates attempt N+1 (`pending`, with its enrichment) in a new worktree and starts it through
 * `task.start` when the fleet has that command. One retry per task at a time, across processes
 * (a lock file beside the registry).
 */
export async function retryTask(fleet: RecoveryFleet, taskId: string, options: RetryOptions = {}, deps: RecoveryDeps = {}): Promise<RetryResult> {
  // A retry by hand is never deferred.
  const { deferRetry: _deferRetry, ...manual } = deps;
  const result = await runRetry(fleet, taskId, { ...options, auto: false }, manual);
  return result as RetryResult;
}

/**
 * The automatic retry of one task (autoRetryPass): only a task still `failed`, with no live agent
 * and a class listed in config.recovery.auto, is retried or escalated; otherwise null, never a
 * refusal. A retry of the same task already in progress elsewhere also gives null.
 */
export async function autoRetryTask(fleet: RecoveryFleet, taskId: string, deps: RecoveryDeps = {}): Promise<RetryResult | DeferredRetry | null> {
  return runRetry(fleet, taskId, { auto: true }, deps);
}

async function runRetry(fleet: RecoveryFleet, taskId: string, options: InternalOptions, deps: RecoveryDeps): Promise<RetryResult | DeferredRetry | null> {
  assertTaskId(taskId, 'task');
  const lock = join(fleet.paths.stateDir, `retry-${taskId}.lock`);
  let result: RetryResult | DeferredRetry | null;
  try {
    result = await withFileLock(lock, () => retryLocked(fleet, taskId, options, deps), {
      timeoutMs: options.auto ? 0 : RETRY_LOCK_WAIT_MS,
      staleMs: RETRY_LOCK_STALE_MS,
    });
  } catch (err) {
    if (err instanceof RegistryError && err.file === lock) {
      if (options.auto) return null;
      throw new UsageError(`a retry of ${taskId} is already in progress`);
    }
    throw err;
  }
  if (result?.outcome === 'retried' && result.sent === undefined && deps.startAttempt) {
    try {
      const started = (await deps.startAttempt(taskId)) as { waiting?: string } | undefined;
      if (started && typeof started.waiting === 'string') result.queued = started.waiting;
      else result.started = true;
    } catch (err) {
      result.startError = errorMessage(err);
      fleet.events.emit({ type: 'error', message: `${taskId}: attempt ${result.attempt} is pending; starting it failed: ${result.startError}` });
    }
  }
  return result;
}

async function retryLocked(fleet: RecoveryFleet, taskId: string, options: InternalOptions, deps: RecoveryDeps): Promise<RetryResult | DeferredRetry | null> {
  const now = deps.now?.() ?? new Date();
  const task = requireTask(await fleet.registry.read(), taskId);
  const last = task.attempts[task.attempts.length - 1];
  if (options.auto && (task.state !== 'failed' || !last || last.state === 'pending')) return null;
  if (!last) throw new UsageError(`task ${taskId} has not started yet; start it instead: flotilla start ${taskId}`);
  if (last.state === 'pending') throw new UsageError(`task ${taskId}: attempt ${last.n} is already pending; start it: flotilla start ${taskId}`);
  const alive = await sessionAlive(fleet, task);
  if (!options.auto && reusesAttempt(task, last, options.class)) {
    const { sent } = await reuseAttempt(fleet, task, last, alive, now);
    const cls = last.failure?.class ?? null;
    return { outcome: 'retried', taskId, attempt: last.n, startPoint: last.startPoint, class: cls, kinds: [], started: sent !== null, reused: true, ...(sent !== null ? { sent } : {}) };
  }
  if (alive && !options.auto) throw new UsageError(`task ${taskId} is running; stop it first: flotilla stop ${taskId}`);
  const sessionState = alive ? (fleet.sessions?.status(taskId) ?? last.session?.state ?? null) : null;
  // A busy agent may still be fixing things: leave it; the next pass looks again.
  if (alive && (sessionState === 'working' || sessionState === 'starting' || !fleet.sessions)) return null;

  const failure = await classifyLatest(fleet, task, options, now);
  const cls = failure?.class ?? null;
  const recorded = last.failure;
  if (failure) last.failure = failure;
  const decision = decideRetry({
    task,
    failure,
    auto: Boolean(options.auto),
    force: Boolean(options.force),
    alive,
    recovery: fleet.config.recovery,
    ...(deps.deferRetry ? { deferRetry: deps.deferRetry } : {}),
  });
  if (decision.kind === 'leave') {
    // Not retried automatically; still record what recovery found (e.g. context_exhausted behind a crash).
    if (failure && failure.class !== recorded?.class) {
      await fleet.registry.updateTask(taskId, (t) => {
        const latest = t.attempts[t.attempts.length - 1];
        if (latest?.n === last.n) {
          latest.failure = failure;
          t.reason = `${failure.class}: ${failure.evidence}`.slice(0, 300);
        }
      });
    }
    return null;
  }
  if (decision.kind === 'escalate') return escalate(fleet, taskId, failure, decision.reason, deps);
  if (decision.kind === 'defer') return { outcome: 'deferred', taskId, attempt: last.n, class: cls, reason: decision.reason };
  if (decision.stopAgent) {
    // An interactive agent stays alive and idle after its attempt failed (CI, no progress): the
    // automatic retry ends it first. (Escalation leaves it running, for the human to attach to.)
    await fleet.sessions!.stop(taskId);
  }

  const built = await buildEnrichment({
    paths: fleet.paths,
    task,
    attempt: last,
    failure,
    worktree: last.worktree,
    cwd: options.cwd ?? fleet.cwd,
    ...(options.note !== undefined ? { note: options.note } : {}),
    ...(options.files !== undefined ? { files: options.files } : {}),
    ...(options.docs !== undefined ? { docs: options.docs } : {}),
    ...(deps.reviewText ? { reviewText: deps.reviewText } : {}),
  });
  const enrichment = built.kinds.length ? built : null;

  const n = last.n + 1;
  const startPoint = decision.continueFromBranch && (await fleet.git.branchExists(fleet.paths.root, last.branch)) ? last.branch : task.base;
  const host = hostForAttempt(fleet, task);
  await prepareAttempt(attemptPreparation(fleet), { taskId, n, startPoint, worktreeRoot: fleet.worktreeRoot, base: task.base, ...(host ? { host } : {}) }, (created, env) =>
    fleet.registry.updateTask(taskId, (t) => {
      const prev = t.attempts[t.attempts.length - 1];
      if (!prev || prev.n !== last.n) throw new UsageError(`task ${taskId} changed while retrying (now at attempt ${prev?.n ?? 0}); see flotilla status`);
      if (failure) prev.failure = failure;
      if (prev.state === 'running' || prev.state === 'finished') prev.state = 'failed';
      prev.endedAt ??= now.toISOString();
      if (prev.slot != null) Object.assign(prev, { slot: null, ports: {} });
      const attempt = { ...newAttempt({ n, branch: created.branch, worktree: created.worktree, startPoint, enrichment, baseCommit: created.baseCommit }, now.toISOString()), ...env, ...(host ? { host: host.name } : {}) };
      attempt.retryOf = { attempt: last.n, class: cls };
      // A human's note is an intervention (counted as effort by the cost module: attempt.interventions).
      if (options.note?.trim()) attempt.interventions = [{ at: now.toISOString(), kind: 'retry-note' }];
      t.attempts.push(attempt);
      const stopped = alive ? `; the idle agent of attempt ${last.n} was stopped` : '';
      transition(t, 'queued', `attempt ${n} pending: retry after ${cls ?? 'a manual stop'}${stopped}`, now);
    }),
  );
  await releaseAttemptSlot(fleet, { taskId, n: last.n });
  return { outcome: 'retried', taskId, attempt: n, startPoint, class: cls, kinds: built.kinds, started: false };
}
