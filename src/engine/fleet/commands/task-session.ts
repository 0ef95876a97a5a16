import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { PtyError, UsageError, errorMessage, requireTask } from '../../core/index.js';
import { assertTaskId } from '../../core/index.js';
import { composePrompt } from '../../prompt/index.js';
import { blockedReason, dependencyStartPoint, pendingDependencies } from '../../tasks/index.js';
import { newAttempt } from '../../tasks/index.js';
import type { Attempt, SessionInfo, Task } from '../../core/index.js';
import { canTransition, transition } from '../../tasks/index.js';
import { copyMatchingFiles, runSetupCommands } from '../../workspace/index.js';
import { createAttemptWorktree } from '../../workspace/index.js';
import type { SessionManager } from '../../core/index.js';
import type { Ticket } from '../../core/index.js';
import type { FleetContext } from '../../core/index.js';
import { setUpSharedDependencies } from '../../workspace/index.js';

function sessionsOf(ctx: FleetContext): SessionManager {
  if (!ctx.sessions) throw new PtyError('agent sessions are not available in this flotilla');
  return ctx.sessions;
}

/** Creates attempt 1 (worktree from the base, or from a ready dependency's branch) and records it. */
async function createFirstAttempt(ctx: FleetContext, task: Task, all: Task[]): Promise<Attempt> {
  const start = dependencyStartPoint(task, all);
  const wt = await createAttemptWorktree(ctx.git, {
    repoRoot: ctx.paths.root,
    worktreeRoot: ctx.worktreeRoot,
    taskId: task.id,
    n: 1,
    startPoint: start.ref,
    base: task.base,
  });
  if (wt.created) {
    await copyMatchingFiles(ctx.paths.root, wt.worktree, ctx.config.bootstrap.copy);
    await runSetupCommands(ctx.runner, wt.worktree, ctx.config.bootstrap.setup, undefined, { taskId: task.id, attempt: 1 });
  }
  const attempt = newAttempt({ n: 1, branch: wt.branch, worktree: wt.worktree, startPoint: start.ref, baseCommit: wt.baseCommit });
  await ctx.registry.updateTask(task.id, (t) => {
    if (!t.attempts.some((a) => a.n === 1)) t.attempts.push(attempt);
  });
  if (wt.created) await setUpSharedDependencies(ctx, wt.worktree, task.id);
  return attempt;
}

/**
 * `task.start`: starts the task's latest attempt (creating attempt 1 and its worktree when there is
 * none; a `pending` attempt made by a retry starts with its enrichment; a stopped or finished attempt
 * starts again in its worktree). With admission, waits for an agent slot, released at exit.
 */
export async function startTask(ctx: FleetContext, id: string): Promise<SessionInfo> {
  assertTaskId(id);
  const sessions = sessionsOf(ctx);
  const data = await ctx.registry.read();
  const task = requireTask(data, id);
  if (await sessions.isAlive(id)) throw new UsageError(`task ${id} is already running (flotilla attach ${id}, or flotilla stop ${id})`);
  const pending = pendingDependencies(task, data.tasks);
  if (pending.length) throw new UsageError(`task ${id} is ${blockedReason(pending)}`);
  const attempt = task.attempts.at(-1) ?? (await createFirstAttempt(ctx, task, data.tasks));
  if (attempt.state === 'pending' && !existsSync(attempt.worktree)) {
    // A retry recorded without its worktree yet: make it from the attempt's start point.
    const wt = await createAttemptWorktree(ctx.git, {
      repoRoot: ctx.paths.root,
      worktreeRoot: dirname(attempt.worktree),
      taskId: id,
      n: attempt.n,
      startPoint: attempt.startPoint,
      base: task.base,
    });
    if (wt.created) {
      await copyMatchingFiles(ctx.paths.root, wt.worktree, ctx.config.bootstrap.copy);
      await runSetupCommands(ctx.runner, wt.worktree, ctx.config.bootstrap.setup, undefined, { taskId: id, attempt: attempt.n });
    }
    if (wt.worktree !== attempt.worktree || wt.branch !== attempt.branch || wt.baseCommit !== (attempt.baseCommit ?? null)) {
      await ctx.registry.updateTask(id, (t) => {
        const a = t.attempts.find((x) => x.n === attempt.n);
        if (a) Object.assign(a, { worktree: wt.worktree, branch: wt.branch, baseCommit: wt.baseCommit });
      });
    }
    if (wt.created) await setUpSharedDependencies(ctx, wt.worktree, id);
  }

  const ticket = ctx.admission ? await admitAgent(ctx, task) : null;
  let info: SessionInfo;
  try {
    const composed = await composePrompt({ paths: ctx.paths, config: ctx.config, task, attempt });
    info = await sessions.start({ taskId: id, attempt: attempt.n, prompt: composed.prompt, extraContext: composed.extraContext });
  } catch (err) {
    await ticket?.release();
    throw err;
  }
  if (ticket) {
    const held = ticket;
    if (info.pid) held.trackPid(info.pid);
    if (info.state === 'exited') await held.release();
    else if (sessions.runtime === 'tmux' && info.pid && held.handOver) {
      // The agent outlives this process: its slot belongs to the agent's process from now on.
      await held.handOver(info.pid);
    } else {
      const off = ctx.events.on((e) => {
        if (e.type === 'session.status' && e.taskId === id && e.attempt === attempt.n && e.session.state === 'exited') {
          off();
          held.release().catch(() => undefined);
        }
      });
    }
  }
  const now = new Date().toISOString();
  await ctx.registry.updateTask(id, (t) => {
    const a = t.attempts.find((x) => x.n === attempt.n);
    if (a) {
      a.state = 'running';
      a.startedAt = now;
      a.endedAt = null;
    }
    const reason = info.state === 'exited' ? (info.message ?? 'the agent exited at once') : null;
    if (canTransition(t.state, 'running')) transition(t, 'running', reason);
  });
  return info;
}

/** States a task waiting for its agent slot may show as `queued`, and go back to if it never starts. */
const QUEUEABLE: ReadonlySet<Task['state']> = new Set(['new', 'stopped', 'failed', 'blocked', 'queued']);

/**
 * Waits for an agent slot. While the queue holds the agent back the task is `queued`, with the
 * queue's reason (`waiting: 8/8 agent slots busy`), so the fleet list and `status` say why; if the
 * wait ends without a slot (stopped, an error) the task goes back to where it was.
 */
async function admitAgent(ctx: FleetContext, task: Task): Promise<Ticket> {
  const admission = ctx.admission!;
  const id = task.id;
  const before = { state: task.state, reason: task.reason };
  const queueable = QUEUEABLE.has(before.state);
  let marked = false;
  let writes: Promise<unknown> = Promise.resolve();
  const off = ctx.events.on((e) => {
    if (!queueable || e.type !== 'admission.waiting' || e.taskId !== id || e.kind !== 'agent') return;
    marked = true;
    writes = writes
      .then(() => ctx.registry.updateTask(id, (t) => {
        if (t.state === before.state || t.state === 'queued') transition(t, 'queued', e.reason);
      }))
      .catch(() => undefined);
  });
  try {
    return await admission.acquire({ kind: 'agent', key: `agent:${task.agent}`, label: `agent ${id}`, taskId: id });
  } catch (err) {
    off();
    await writes;
    if (marked) {
      await ctx.registry
        .updateTask(id, (t) => {
          if (t.state === 'queued') transition(t, before.state, before.reason);
        })
        .catch(() => undefined);
    }
    throw err;
  } finally {
    off();
    await writes;
  }
}

/** `task.stop`: ends the agent (process group SIGTERM, then SIGKILL); the task becomes `stopped`. */
export async function stopTask(ctx: FleetContext, id: string): Promise<void> {
  assertTaskId(id);
  const sessions = sessionsOf(ctx);
  const data = await ctx.registry.read();
  const task = requireTask(data, id);
  // Nothing ever ran: refuse, and leave the task as it is (was: exit 0, and the task became stopped).
  if (task.attempts.length === 0) throw new UsageError(`task ${id} was never started, nothing to stop (flotilla start ${id} starts it)`);
  let problem: string | null = null;
  try {
    await sessions.stop(id);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    problem = errorMessage(err);
  }
  const now = new Date().toISOString();
  await ctx.registry.updateTask(id, (t) => {
    const a = t.attempts.at(-1);
    if (a && a.state === 'running') {
      a.state = 'stopped';
      a.endedAt = a.endedAt ?? now;
    }
    if (t.state !== 'stopped' && canTransition(t.state, 'stopped')) transition(t, 'stopped', 'stopped by the user');
  });
  if (problem && task.state === 'stopped') throw new UsageError(problem);
}

/** `task.send`: types text into the agent and presses Enter. */
export async function sendToTask(ctx: FleetContext, id: string, text: string, enter = true): Promise<void> {
  assertTaskId(id);
  await sessionsOf(ctx).send(id, text, { enter });
}
