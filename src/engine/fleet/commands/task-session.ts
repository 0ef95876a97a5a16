import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ensurePrivateDir, withFileLock } from '../../fs/index.js';
import { PtyError, UsageError, errorMessage, requireTask } from '../../core/index.js';
import { assertTaskId } from '../../core/index.js';
import { composePrompt } from '../../prompt/index.js';
import { blockedReason, dependencyStartPoint, pendingDependencies } from '../../tasks/index.js';
import { newAttempt } from '../../tasks/index.js';
import type { Attempt, SessionInfo, Task } from '../../core/index.js';
import { canTransition, transition } from '../../tasks/index.js';
import { attemptPreparation, discardAttemptWorktree, hostForAttempt, hostPlace, prepareAttempt } from '../../workspace/index.js';
import { refreshAttemptSlot, releaseEndedSlots } from '../../workspace/index.js';
import { holdReason } from '../../radar/index.js';
import type { SessionManager } from '../../core/index.js';
import type { Ticket } from '../../core/index.js';
import type { FleetContext } from '../../core/index.js';
import { FINISHED_STATES } from '../../builds/index.js';
import { LOCAL_HOST } from '../../hosts/index.js';
import { placeFirstAttempt, placementReasons, reserveHostSlot } from './place-start.js';
import type { Placement } from '../../hosts/index.js';
import type { HostReservation } from '../../core/index.js';

function sessionsOf(ctx: FleetContext): SessionManager {
  if (!ctx.sessions) throw new PtyError('agent sessions are not available in this flotilla');
  return ctx.sessions;
}

/** An attempt prepared by this start, and how to take it back if the start does not happen. */
interface Prepared {
  attempt: Attempt;
  /** Removes what this start made (the worktree; attempt 1's record too). */
  undo(): Promise<void>;
}

/** Creates attempt 1 (worktree from the base, or from a ready dependency's branch) and records it. */
async function createFirstAttempt(ctx: FleetContext, task: Task, all: Task[]): Promise<Prepared> {
  const start = dependencyStartPoint(task, all);
  const preparation = attemptPreparation(ctx);
  const host = hostForAttempt(ctx, task);
  const { worktree: wt, recorded } = await prepareAttempt(
    preparation,
    { taskId: task.id, n: 1, startPoint: start.ref, worktreeRoot: ctx.worktreeRoot, base: task.base, ...(host ? { host } : {}) },
    (made, env) =>
      ctx.registry.updateTask(task.id, (t) => {
        const existing = t.attempts.find((a) => a.n === 1);
        if (existing) return { attempt: existing, ours: false };
        const attempt = { ...newAttempt({ n: 1, branch: made.branch, worktree: made.worktree, startPoint: start.ref, baseCommit: made.baseCommit }), ...env, ...(host ? { host: host.name } : {}) };
        t.attempts.push(attempt);
        return { attempt, ours: true };
      }),
  );
  const undo = async () => {
    if (!recorded.ours) return;
    await ctx.registry.updateTask(task.id, (t) => {
      t.attempts = t.attempts.filter((a) => !(a.n === 1 && a.state === 'pending' && a.startedAt === null));
    });
    await discardAttemptWorktree(preparation, wt, host);
  };
  return { attempt: recorded.attempt, undo };
}

/** A retry recorded without its worktree yet: make it from the attempt's start point. */
async function prepareRetryWorktree(ctx: FleetContext, id: string, attempt: Attempt, base: string): Promise<Prepared> {
  const preparation = attemptPreparation(ctx);
  const host = attempt.host ? ctx.hosts?.get(attempt.host) : undefined;
  const { worktree: wt } = await prepareAttempt(
    preparation,
    { taskId: id, n: attempt.n, startPoint: attempt.startPoint, worktreeRoot: dirname(attempt.worktree), base, ...(host ? { host } : {}) },
    async (made, env) => {
      if (made.worktree === attempt.worktree && made.branch === attempt.branch && made.baseCommit === (attempt.baseCommit ?? null) && !('slot' in env)) return;
      Object.assign(attempt, env);
      await ctx.registry.updateTask(id, (t) => {
        const a = t.attempts.find((x) => x.n === attempt.n);
        if (a) Object.assign(a, { worktree: made.worktree, branch: made.branch, baseCommit: made.baseCommit }, env);
      });
    },
  );
  // The pending attempt stays recorded (the retry made it); only its worktree goes.
  return { attempt, undo: () => discardAttemptWorktree(preparation, wt, host) };
}

/**
 * `task.start`: starts the task's latest attempt (creating attempt 1 and its worktree when there is
 * none; a `pending` attempt made by a retry starts with its enrichment; a stopped or finished attempt
 * starts again in its worktree). With admission, waits for an agent slot, released at exit.
 * A start that is refused (a bad profile, no slot) takes back the worktree and attempt it made.
 */
export async function startTask(ctx: FleetContext, id: string, opts: { wait?: boolean; host?: string } = {}): Promise<StartResult> {
  assertTaskId(id);
  // One start of a task at a time, across processes: concurrent starts (five `flotilla start`, the
  // loop and a human) would each prepare an attempt and a worktree. The others are refused at once;
  // the claim lasts while its owner runs (a start may wait long for a slot), a dead owner's is taken over.
  const claim = join(ctx.paths.stateDir, `start-${id}.lock`);
  await ensurePrivateDir(dirname(claim));
  return withFileLock(claim, () => startClaimed(ctx, id, opts), {
    staleMs: Number.POSITIVE_INFINITY,
    ifHeld: (owner) => new UsageError(`task ${id} is already starting${owner ? ` (pid ${owner.pid})` : ''}`),
  });
}

async function startClaimed(ctx: FleetContext, id: string, opts: { wait?: boolean; host?: string }): Promise<StartResult> {
  const sessions = sessionsOf(ctx);
  const data = await ctx.registry.read();
  let task = requireTask(data, id);
  if (await sessions.isAlive(id)) {
    const pid = task.attempts.at(-1)?.session?.pid;
    throw new UsageError(`task ${id} is already running (${pid ? `pid ${pid}; ` : ''}flotilla attach ${id}, or flotilla stop ${id})`);
  }
  let placed: Placement | null = null;
  if (opts.host !== undefined) task = await pinHost(ctx, task, opts.host);
  else {
    placed = await placeFirstAttempt(ctx, task, data.tasks);
    if (placed?.host && placed.host !== LOCAL_HOST) task = await pinHost(ctx, task, placed.host);
  }
  const pending = pendingDependencies(task, data.tasks);
  if (pending.length) throw new UsageError(`task ${id} is ${blockedReason(pending)}`);
  if (ctx.config.conflicts.hold && task.attempts.length === 0) await holdIfOverlapping(ctx, task, data.tasks);
  const latest = task.attempts.at(-1);
  // An agent on a remote host takes one of that host's slots, before its worktree is made there.
  const remote = latest ? latest.host : task.host;
  let hostSlot: HostReservation | null = null;
  if (remote) {
    const got = await admitOnHost(ctx, task, remote, opts.wait !== false);
    if ('waiting' in got) return { waiting: got.waiting, queued: await markQueued(ctx, task, got.waiting) };
    hostSlot = got;
  }
  try {
    return await startAdmitted(ctx, task, data.tasks, latest, opts, placed);
  } finally {
    await hostSlot?.release();
  }
}

async function startAdmitted(ctx: FleetContext, task: Task, all: Task[], latest: Attempt | undefined, opts: { wait?: boolean }, placed: Placement | null): Promise<StartResult> {
  const id = task.id;
  const sessions = sessionsOf(ctx);
  let prepared: Prepared | null = null;
  if (!latest) prepared = await createFirstAttempt(ctx, task, all);
  else if (latest.state === 'pending' && !(await worktreeExists(ctx, latest))) prepared = await prepareRetryWorktree(ctx, id, latest, task.base);
  const attempt = prepared?.attempt ?? latest!;

  // A stopped or failed attempt gave its ports up; it takes a slot again (the same one when free).
  // Ports are this machine's: an attempt on a host holds none.
  const slot = !attempt.host && existsSync(attempt.worktree) ? await refreshAttemptSlot(ctx, { taskId: id, ...attempt }) : null;
  if (slot) {
    Object.assign(attempt, slot);
    await ctx.registry.updateTask(id, (t) => {
      const a = t.attempts.find((x) => x.n === attempt.n);
      if (a) Object.assign(a, slot);
    });
  }

  let ticket: Ticket | null = null;
  let info: SessionInfo;
  // The admission queue measures this machine; an agent on a host took its host's slot above.
  const admission = attempt.host ? undefined : ctx.admission;
  try {
    if (admission && opts.wait === false && admission.tryAcquire) {
      // A start that does not wait: no slot leaves the task queued (its prepared attempt stays for
      // the pass that starts it).
      const got = await admission.tryAcquire(agentJob(task));
      if ('waiting' in got) {
        // No other host took it either: say why each did not, after this machine's reason.
        const others = placementReasons(placed);
        const waiting = others ? `${got.waiting} (${others})` : got.waiting;
        return { waiting, queued: got.elsewhere ? true : await markQueued(ctx, task, waiting) };
      }
      ticket = got;
    } else {
      ticket = admission ? await admitAgent(ctx, task) : null;
    }
    const composed = await composePrompt({ paths: ctx.paths, config: ctx.config, task, attempt });
    info = await sessions.start({ taskId: id, attempt: attempt.n, prompt: composed.prompt, extraContext: composed.extraContext });
  } catch (err) {
    await ticket?.release();
    await prepared?.undo().catch(() => undefined);
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

/** Whether an attempt's worktree exists, on this machine or on its host. */
async function worktreeExists(ctx: FleetContext, attempt: Attempt): Promise<boolean> {
  if (!attempt.host) return existsSync(attempt.worktree);
  const host = ctx.hosts?.get(attempt.host);
  if (!host) throw new UsageError(`attempt ${attempt.n} runs on host ${attempt.host}, and hosts are not available here`);
  return hostPlace(host).exists(attempt.worktree);
}

/**
 * `start --host NAME`: pins the task to a configured host (`local`: this machine). A task whose
 * latest attempt already has its worktree somewhere else keeps it there: the pin is refused, as
 * moving an attempt's work between machines is a new attempt (flotilla retry).
 */
async function pinHost(ctx: FleetContext, task: Task, name: string): Promise<Task> {
  const host = name === 'local' ? undefined : name;
  if (host !== undefined) {
    if (!ctx.hosts) throw new UsageError(`no host "${host}": hosts are not available here`);
    ctx.hosts.get(host); // a UsageError naming the configured hosts when it is not one
  }
  const latest = task.attempts.at(-1);
  if (latest && latest.host !== host) {
    throw new UsageError(`task ${task.id} attempt ${latest.n} is on ${latest.host ?? 'this machine'}; a start cannot move it to ${name} (flotilla retry ${task.id} makes a new attempt)`);
  }
  if (task.host === host) return task;
  return ctx.registry.updateTask(task.id, (t) => {
    if (host === undefined) delete t.host;
    else t.host = host;
    return t;
  });
}

/**
 * What `task.start` did: started the agent, or (a start that does not wait) found no slot: the task
 * is left `queued` for the next pass when its state allows (`queued: false`: it was not, e.g. a
 * ready task started again, and nothing will start it by itself).
 */
export type StartResult = SessionInfo | { waiting: string; queued: boolean };

/** The session a start began; a start left waiting is an error here (for callers that waited). */
export function startedSession(result: StartResult): SessionInfo {
  if ('waiting' in result) throw new UsageError(`not started: ${result.waiting}`);
  return result;
}

function agentJob(task: Task) {
  return { kind: 'agent' as const, key: `agent:${task.agent}`, label: `agent ${task.id}`, taskId: task.id };
}

/**
 * An agent slot on the task's remote host. A start that does not wait returns the reason at once
 * (the task is left queued for the next pass); one that waits asks again every few seconds (a new
 * probe once the last is stale), with the task `queued` and the reason said meanwhile, and puts the
 * task back where it was if the wait ends without a slot.
 */
async function admitOnHost(ctx: FleetContext, task: Task, host: string, wait: boolean): Promise<HostReservation | { waiting: string }> {
  const first = await reserveHostSlot(ctx, task, host);
  if (!('waiting' in first) || !wait) return first;
  const before = { state: task.state, reason: task.reason };
  let said = '';
  try {
    for (let got: HostReservation | { waiting: string } = first; ; got = await reserveHostSlot(ctx, task, host)) {
      if (!('waiting' in got)) return got;
      if (got.waiting !== said) {
        said = got.waiting;
        await markQueued(ctx, task, got.waiting);
        ctx.events.emit({ type: 'admission.waiting', kind: 'agent', label: `agent ${task.id} on ${host}`, taskId: task.id, reason: got.waiting });
      }
      await new Promise((r) => setTimeout(r, HOST_RETRY_MS));
    }
  } catch (err) {
    if (said) {
      await ctx.registry
        .updateTask(task.id, (t) => {
          if (t.state === 'queued') transition(t, before.state, before.reason);
        })
        .catch(() => undefined);
    }
    throw err;
  }
}

/** How often a start that waits for a host's slot asks again. */
const HOST_RETRY_MS = 2_000;

/** A start that would wait leaves the task `queued` with the queue's reason; the next pass starts it. */
async function markQueued(ctx: FleetContext, task: Task, reason: string): Promise<boolean> {
  let marked = false;
  await ctx.registry.updateTask(task.id, (t) => {
    if (!QUEUEABLE.has(t.state)) return;
    transition(t, 'queued', reason);
    marked = true;
  });
  return marked;
}

/**
 * conflicts.hold: a task whose `--files` hint overlaps a live sibling waits `queued` with the reason
 * (the loop starts it once the sibling is merged or ends); the start is refused with that reason.
 */
async function holdIfOverlapping(ctx: FleetContext, task: Task, all: Task[]): Promise<void> {
  const reason = holdReason(task, all);
  if (!reason) return;
  await ctx.registry.updateTask(task.id, (t) => {
    if (t.attempts.length > 0 || t.reason === reason) return;
    if (t.state === 'queued') t.reason = reason;
    else if (canTransition(t.state, 'queued')) transition(t, 'queued', reason);
  });
  throw new UsageError(`task ${task.id} is ${reason}`);
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
    return await admission.acquire(agentJob(task));
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

/** What `stop` did to one task of several (plain data: a command result). */
export interface StopOutcome {
  id: string;
  ok: boolean;
  /** The task's state after the stop (when it still exists). */
  state?: Task['state'];
  /** The one-line reason when not ok; `usage`: the id's fault (no such task, never started). */
  error?: string;
  usage?: boolean;
}

/**
 * `task.stop`: ends the agent (process group SIGTERM, then SIGKILL); the task becomes `stopped`,
 * except a finished one: a ready task stays ready and an escalated one escalated (closing its
 * agent frees the machine, not the human's to-do).
 */
export async function stopTask(ctx: FleetContext, id: string, intervention = false): Promise<void> {
  const [outcome] = await stopTasksWithErrors(ctx, [id], { intervention });
  if (outcome!.failure) throw outcome!.failure;
}

/**
 * `stop` of several tasks: their agents are ended in parallel (`concurrency` at a time), then every
 * task's new state (and its `stop` intervention) is written in ONE registry update, not one per task.
 * Each task's outcome is its own: one that does not exist or never ran fails alone.
 */
export async function stopTasks(ctx: FleetContext, ids: readonly string[], options: { concurrency?: number; intervention?: boolean } = {}): Promise<StopOutcome[]> {
  return (await stopTasksWithErrors(ctx, ids, options)).map(({ failure, ...outcome }) => ({
    ...outcome,
    ...(failure ? { ok: false, error: errorMessage(failure).split('\n')[0] ?? 'failed', usage: failure instanceof UsageError } : {}),
  }));
}

async function stopTasksWithErrors(
  ctx: FleetContext,
  ids: readonly string[],
  { concurrency = 16, intervention = false }: { concurrency?: number; intervention?: boolean },
): Promise<Array<StopOutcome & { failure?: unknown }>> {
  const sessions = sessionsOf(ctx);
  const data = await ctx.registry.read();
  const outcomes = ids.map((id): StopOutcome & { failure?: unknown; before?: Task['state']; problem?: string } => {
    try {
      assertTaskId(id);
      const task = requireTask(data, id);
      // Nothing ever ran: refuse, and leave the task as it is (was: exit 0, and the task became stopped).
      if (task.attempts.length === 0) throw new UsageError(`task ${id} was never started, nothing to stop (flotilla start ${id} starts it)`);
      return { id, ok: true, before: task.state };
    } catch (err) {
      return { id, ok: false, failure: err };
    }
  });
  const todo = outcomes.filter((o) => !o.failure);
  let next = 0;
  const worker = async () => {
    while (next < todo.length) {
      const o = todo[next++]!;
      try {
        await sessions.stop(o.id);
      } catch (err) {
        if (!(err instanceof UsageError)) o.failure = err;
        else o.problem = errorMessage(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, todo.length)) }, worker));
  const now = new Date().toISOString();
  const record = todo.filter((o) => !o.failure);
  // No session to end on a task already stopped or finished: an error for that task (after its
  // running attempt, if any, is marked stopped), and no intervention.
  for (const o of record) if (o.problem && (o.before === 'stopped' || FINISHED_STATES.has(o.before!))) o.failure = new UsageError(o.problem);
  if (record.length) {
    await ctx.registry.update((fresh) => {
      for (const o of record) {
        const t = fresh.tasks.find((x) => x.id === o.id);
        if (!t) continue; // removed meanwhile
        const a = t.attempts.at(-1);
        if (a && a.state === 'running') {
          a.state = 'stopped';
          a.endedAt = a.endedAt ?? now;
        }
        // A stop is an intervention (cost effort), recorded on the attempt it stopped.
        if (intervention && a && !o.failure) a.interventions = [...(a.interventions ?? []), { at: now, kind: 'stop' }];
        if (!FINISHED_STATES.has(t.state) && t.state !== 'stopped' && canTransition(t.state, 'stopped')) transition(t, 'stopped', 'stopped by the user');
      }
    });
  }
  // A stopped attempt lets its ports go; `start` takes a slot again (the same one when still free).
  const after = await ctx.registry.read();
  await releaseEndedSlots(ctx, after);
  for (const o of record) o.state = after.tasks.find((t) => t.id === o.id)?.state;
  return outcomes.map(({ before: _b, problem: _p, ...o }) => ({ ...o, ok: !o.failure }));
}

/** `task.send`: types text into the agent and presses Enter. */
export async function sendToTask(ctx: FleetContext, id: string, text: string, enter = true): Promise<void> {
  assertTaskId(id);
  await sessionsOf(ctx).send(id, text, { enter });
}
