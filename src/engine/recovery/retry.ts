import { errorMessage, UsageError } from '../errors.js';
import type { FailureClass } from '../config/schema.js';
import type { FleetContext } from '../fleet/context.js';
import { assertTaskId } from '../ids.js';
import { resolveProfile } from '../agents/profiles.js';
import { findTask } from '../tasks/registry.js';
import type { Attempt, Failure, Task } from '../tasks/schema.js';
import { transition } from '../tasks/state-machine.js';
import { copyMatchingFiles, runSetupCommands } from '../workspace/bootstrap.js';
import { createAttemptWorktree } from '../workspace/worktrees.js';
import { classifyFailure } from './classify.js';
import { buildEnrichment, readTail } from './enrich.js';
import { defaultEscalationNotifier, markEscalated, type EscalationNotifier } from './escalate.js';
import { recordLearningIfReady } from './learn.js';
import { stripAnsi } from './text.js';
import { taskPath } from '../repo.js';

/**
 * Retry: a failed attempt becomes a new attempt N+1 in a new worktree, with an enrichment telling
 * the agent what the previous one was missing. The old worktree and branch are kept (for
 * `flotilla diff`). Capped per task (config.recovery.maxAttempts, maxCiRounds); past a cap the task
 * is escalated and the human notified once.
 */

/** Classes whose retry continues from the previous attempt's branch; the rest start again from base. */
export const CONTINUE_FROM_BRANCH: ReadonlySet<FailureClass> = new Set([
  'ci_failed',
  'review_flagged',
  'conflicts',
  'crashed',
  'context_exhausted',
  'needs_knowledge',
]);

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
    }
  | { outcome: 'escalated'; taskId: string; attempt: number; reason: string; summary: string; notified: boolean };

/** What retry needs from the fleet: the context, and (when the fleet has them) dispatch of other commands. */
export interface RecoveryFleet extends FleetContext {
  /** The fleet's dispatch; typed loosely so a command added to CommandMap later can be sent. */
  dispatch?: (command: never) => Promise<unknown>;
  /** True when the fleet handles a command of this type (so recovery can use `task.start` once it exists). */
  hasCommand?: (type: string) => boolean;
}

export interface RecoveryDeps {
  notify?: EscalationNotifier;
  now?: () => Date;
}

function pidAlive(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the task's agent is running: asks the session manager, else the registry's pid. */
export async function sessionAlive(fleet: FleetContext, task: Task): Promise<boolean> {
  if (fleet.sessions) {
    try {
      return await fleet.sessions.isAlive(task.id);
    } catch {
      return false;
    }
  }
  const session = task.attempts[task.attempts.length - 1]?.session;
  return Boolean(session && session.state !== 'exited' && pidAlive(session.pid));
}

/** CI rounds spent: failing CI runs over all attempts (at least one per attempt that failed on CI). */
export function ciRoundsUsed(task: Task): number {
  return task.attempts.reduce((n, a) => n + Math.max(a.ciRounds, a.failure?.class === 'ci_failed' ? 1 : 0), 0);
}

/** Why a further attempt would break a cap, or null. */
export function capReached(fleet: FleetContext, task: Task, cls: FailureClass | null): string | null {
  const { maxAttempts, maxCiRounds } = fleet.config.recovery;
  if (task.attempts.length >= maxAttempts) return `${task.attempts.length} of ${maxAttempts} attempts used (recovery.maxAttempts)`;
  // maxCiRounds is the number of retries a CI failure may cause: the (maxCiRounds+1)th failing round escalates.
  if (cls === 'ci_failed' && ciRoundsUsed(task) > maxCiRounds) {
    return `CI failed ${ciRoundsUsed(task)} times; recovery.maxCiRounds allows ${maxCiRounds} retries after CI failures`;
  }
  return null;
}

async function evidenceText(fleet: FleetContext, task: Task, attempt: Attempt): Promise<{ screen: string | null; log: string | null }> {
  let screen: string | null = null;
  try {
    const snap = fleet.sessions?.screen(task.id);
    if (snap) screen = stripAnsi(snap.lines.join('\n'));
  } catch {
    screen = null;
  }
  const log = await readTail(taskPath(fleet.paths.logsDir, task.id, `${attempt.n}.log`), 64 * 1024);
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
  const { notice, task } = await fleet.registry.updateTask(taskId, (t) => {
    const last = t.attempts[t.attempts.length - 1];
    if (last && failure) last.failure = failure;
    if (last && (last.state === 'running' || last.state === 'finished')) last.state = 'failed';
    return { notice: markEscalated(t, reason, now), task: structuredClone(t) };
  });
  if (notice) {
    try {
      await (deps.notify ?? defaultEscalationNotifier)(fleet, notice);
    } catch (err) {
      fleet.events.emit({ type: 'error', message: `${taskId}: escalation notification failed: ${errorMessage(err)}` });
    }
  }
  const n = task.attempts[task.attempts.length - 1]?.n ?? 0;
  const summary = (task as { escalation?: { summary: string } }).escalation?.summary ?? '';
  return { outcome: 'escalated', taskId, attempt: n, reason, summary, notified: notice !== null };
}

async function bootstrap(fleet: FleetContext, worktree: string): Promise<void> {
  await copyMatchingFiles(fleet.paths.root, worktree, fleet.config.bootstrap.copy);
  await runSetupCommands(fleet.runner, worktree, fleet.config.bootstrap.setup);
}

/**
 * Retries a task: refuses while its agent runs; escalates past the caps (unless forced); otherwise
 * creates attempt N+1 (`pending`, with its enrichment) in a new worktree and starts it through
 * `task.start` when the fleet has that command.
 */
export async function retryTask(fleet: RecoveryFleet, taskId: string, options: RetryOptions = {}, deps: RecoveryDeps = {}): Promise<RetryResult> {
  assertTaskId(taskId, 'task');
  const now = deps.now?.() ?? new Date();
  const task = findTask(await fleet.registry.read(), taskId);
  if (!task) throw new UsageError(`no task "${taskId}" (see \`flotilla status\`)`);
  const last = task.attempts[task.attempts.length - 1];
  if (!last) throw new UsageError(`task ${taskId} has not started yet; start it instead: flotilla start ${taskId}`);
  if (last.state === 'pending') throw new UsageError(`task ${taskId}: attempt ${last.n} is already pending; start it: flotilla start ${taskId}`);
  if (await sessionAlive(fleet, task)) throw new UsageError(`task ${taskId} is running; stop it first: flotilla stop ${taskId}`);

  const failure = await classifyLatest(fleet, task, options, now);
  const cls = failure?.class ?? null;
  if (failure) last.failure = failure;
  const cap = options.force ? null : capReached(fleet, task, cls);
  if (cap) return escalate(fleet, taskId, failure, cap, deps);

  const enrichment = await buildEnrichment({
    paths: fleet.paths,
    task,
    attempt: last,
    failure,
    worktree: last.worktree,
    cwd: options.cwd ?? fleet.cwd,
    ...(options.note !== undefined ? { note: options.note } : {}),
    ...(options.files !== undefined ? { files: options.files } : {}),
    ...(options.docs !== undefined ? { docs: options.docs } : {}),
  });

  const n = last.n + 1;
  const continues = cls === null || CONTINUE_FROM_BRANCH.has(cls);
  const startPoint = continues && (await fleet.git.branchExists(fleet.paths.root, last.branch)) ? last.branch : task.base;
  const created = await createAttemptWorktree(fleet.git, {
    repoRoot: fleet.paths.root,
    worktreeRoot: fleet.worktreeRoot,
    taskId,
    n,
    startPoint,
  });
  if (created.created) await bootstrap(fleet, created.worktree);

  await fleet.registry.updateTask(taskId, (t) => {
    const prev = t.attempts[t.attempts.length - 1];
    if (!prev || prev.n !== last.n) throw new UsageError(`task ${taskId} changed while retrying (now at attempt ${prev?.n ?? 0}); see flotilla status`);
    if (failure) prev.failure = failure;
    if (prev.state === 'running' || prev.state === 'finished') prev.state = 'failed';
    prev.endedAt ??= now.toISOString();
    const attempt: Attempt = {
      n,
      branch: created.branch,
      worktree: created.worktree,
      startPoint,
      state: 'pending',
      createdAt: now.toISOString(),
      startedAt: null,
      endedAt: null,
      session: null,
      failure: null,
      enrichment,
      ciRounds: 0,
    };
    (attempt as { retryOf?: unknown }).retryOf = { attempt: last.n, class: cls };
    t.attempts.push(attempt);
    transition(t, 'queued', `attempt ${n} pending: retry after ${cls ?? 'a manual stop'}`, now);
  });

  const result: RetryResult = { outcome: 'retried', taskId, attempt: n, startPoint, class: cls, kinds: enrichment.kinds, started: false };
  if (fleet.dispatch && fleet.hasCommand?.('task.start')) {
    try {
      await fleet.dispatch({ type: 'task.start', id: taskId } as never);
      result.started = true;
    } catch (err) {
      result.startError = errorMessage(err);
      fleet.events.emit({ type: 'error', message: `${taskId}: attempt ${n} is pending; starting it failed: ${result.startError}` });
    }
  }
  return result;
}

/**
 * One automatic pass (run by the monitor after each of its passes): every `failed` task whose
 * failure class is in config.recovery.auto is retried, or escalated past its cap; every `ready`
 * task whose last attempt was enriched gets its learning recorded (once). Errors are reported as
 * events, never thrown; returns the retries and escalations done.
 */
export async function autoRetryPass(fleet: RecoveryFleet, deps: RecoveryDeps = {}): Promise<RetryResult[]> {
  const auto = new Set(fleet.config.recovery.auto);
  const results: RetryResult[] = [];
  let data;
  try {
    data = await fleet.registry.read();
  } catch (err) {
    fleet.events.emit({ type: 'error', message: `recovery: ${errorMessage(err)}` });
    return results;
  }
  for (const task of data.tasks) {
    if (task.state === 'ready') {
      await recordLearningIfReady(fleet, task.id).catch((err: unknown) =>
        fleet.events.emit({ type: 'error', message: `recovery: ${task.id}: learning: ${errorMessage(err)}` }),
      );
      continue;
    }
    if (task.state !== 'failed' || !task.attempts.length) continue;
    try {
      if (await sessionAlive(fleet, task)) continue;
      const failure = await classifyLatest(fleet, task, {}, deps.now?.());
      if (!failure || !auto.has(failure.class)) continue;
      results.push(await retryTask(fleet, task.id, {}, deps));
    } catch (err) {
      fleet.events.emit({ type: 'error', message: `recovery: ${task.id}: ${errorMessage(err)}` });
    }
  }
  return results;
}
