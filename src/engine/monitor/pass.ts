import { isOrchestrator } from '../orchestrator/index.js';
import { errorMessage, TaskNotFoundError } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { selectForge } from '../forge/index.js';
import type { SpawnCheck } from '../forge/index.js';
import { isDegraded, type CiStatus, type Forge, type ForgeDegraded, type ForgeTarget } from '../forge/index.js';
import { evaluateGates } from '../gates/index.js';
import type { GateEvaluators } from '../gates/index.js';
import { notifyOnce, type NotifyContext } from '../notify/index.js';
import type { GateResult, PullRequest, Task } from '../core/index.js';
import { failAttempt, move, updateIfUnchanged } from './apply.js';
import { applyVerdict, checkStates } from './apply-verdict.js';
import { decide } from './decide.js';
import { needsHuman } from './human.js';
import { rebaseClean } from './rebase.js';
import { probeAttempt, readBranchTips, type ConflictCache } from '../git/index.js';
import { sessionView } from './session-view.js';
import { environmentStep, pausedStep } from './environment-step.js';
import { probeRemoteAttempts, remoteProbeInput, type RemotePass } from './remote-attempt.js';
import type { MonitorChange, PassResult } from '../core/index.js';
import { afterTasks } from './radar-step.js';
import type { RadarCache } from '../radar/index.js';

export interface PassOptions {
  now?: Date;
  /** The forge to use (default: selectForge from config). */
  forge?: Forge;
  /** Why that forge was chosen (reported in the result). */
  forgeWhy?: string;
  /** Gate evaluators added or overriding the built-in ones (e.g. `reviews`). */
  gates?: GateEvaluators;
  /** Spawns checks and gate commands (tests and the bench count through it). */
  spawn?: SpawnCheck;
  /** merge-tree results kept between passes by the monitor loop. */
  conflictCache?: ConflictCache;
  /** The conflict radar's results by commit, kept between passes by the monitor loop. */
  radarCache?: RadarCache;
  /** False skips the conflict radar (the bench's baseline). */
  radar?: boolean;
  /** Tasks probed at once. */
  concurrency?: number;
  /** How long each host gets to answer the pass's probe (default 15 s). */
  hostTimeoutMs?: number;
  signal?: AbortSignal;
}

/** States the monitor watches; the others belong to the human or to recovery. */
const WATCHED = ['running', 'checking', 'ready', 'paused'] as const;

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * One monitoring pass over every task: asks processes, git, the forge and CI (never a model),
 * moves tasks (running → checking → ready | failed), sets attempt.failure with evidence, and sends
 * `ready` / `needs-input` notifications once. Safe to run while another flotilla process runs one.
 */
export async function runMonitorPass(ctx: FleetContext | NotifyContext, options: PassOptions = {}): Promise<PassResult> {
  const started = Date.now();
  const now = options.now ?? new Date();
  const changes: MonitorChange[] = [];
  const errors: string[] = [];
  const degraded = new Map<string, string>();
  const data = await ctx.registry.read();
  // The orchestrator (kind "orchestrator") coordinates; it has no branch, PR or gates to watch.
  const watched = data.tasks.filter((t) => (WATCHED as readonly string[]).includes(t.state) && t.attempts.length > 0 && !isOrchestrator(t));
  let forgeName = options.forge?.kind ?? ctx.config.forge;
  let tips: Map<string, string> | null = null;
  let forgeWhy = options.forgeWhy;
  let remote: RemotePass | null = null;
  if (watched.length) {
    const choice = options.forge ? { forge: options.forge, why: options.forgeWhy } : await selectForge(ctx, options.spawn ? { spawn: options.spawn } : {});
    const forge = choice.forge;
    forgeWhy = choice.why;
    forgeName = forge.kind;
    tips = await readBranchTips(ctx.git, ctx.paths.root);
    const branchTips = tips;
    // Every host once, before the tasks: their sessions and worktrees, commits fetched back.
    remote = await probeRemoteAttempts(ctx, watched, branchTips, hostTimeout(options));
    errors.push(...(remote?.errors ?? []));
    const hosts = remote;
    await mapLimit(watched, options.concurrency ?? 4, async (task) => {
      if (options.signal?.aborted) return;
      try {
        await watchTask(ctx, task, { ...options, now, forge, tips: branchTips, changes, degraded, remote: hosts });
      } catch (err) {
        errors.push(`${task.id}: ${errorMessage(err).split('\n')[0]}`);
      }
    });
  }
  // Without tasks to watch the hosts are still probed once: their health is followed every pass.
  if (!watched.length) remote = await probeRemoteAttempts(ctx, [], new Map(), hostTimeout(options));
  const { data: after, radar } = await afterTasks(ctx, await ctx.registry.read(), watched.length > 1 && options.radar !== false ? tips : null, {
    ...(options.radarCache ? { radarCache: options.radarCache } : {}),
    changes,
    errors,
  });
  return {
    ...(radar ? { radar: { live: radar.live, overlapping: radar.overlapping, conflicting: radar.conflicting, gitProcesses: radar.gitProcesses, durationMs: radar.durationMs } } : {}),
    at: now.toISOString(),
    durationMs: Date.now() - started,
    tasks: watched.length,
    forge: forgeName,
    ...(forgeWhy ? { forgeWhy } : {}),
    changes,
    needsHuman: needsHuman(after, ctx.config, degraded),
    errors,
    ...(remote ? { hosts: remote.hosts } : {}),
    ...sharedOnHosts(watched, remote),
  };
}

/** The probe's facts of the attempts on hosts that link the shared node_modules there (PassResult.sharedOnHosts). */
function sharedOnHosts(watched: readonly Task[], remote: RemotePass | null): Pick<PassResult, 'sharedOnHosts'> {
  if (!remote) return {};
  const out: NonNullable<PassResult['sharedOnHosts']> = [];
  for (const t of watched) {
    const a = t.attempts.at(-1);
    if (!a?.host || a.sharedDeps?.mode !== 'shared') continue;
    const facts = remote.facts(t.id, a);
    if (facts?.kind !== 'read' || facts.worktree.state !== 'ok') continue;
    out.push({ taskId: t.id, host: a.host, worktree: a.worktree, head: facts.worktree.head, dirty: facts.worktree.dirty });
  }
  return out.length > 0 ? { sharedOnHosts: out } : {};
}

function hostTimeout(options: PassOptions): { timeoutMs?: number } {
  return options.hostTimeoutMs !== undefined ? { timeoutMs: options.hostTimeoutMs } : {};
}

interface TaskRun extends PassOptions {
  now: Date;
  forge: Forge;
  tips: Map<string, string>;
  changes: MonitorChange[];
  degraded: Map<string, string>;
  /** The hosts' answers to this pass (null without hosts). */
  remote: RemotePass | null;
}

async function watchTask(ctx: FleetContext, task: Task, run: TaskRun): Promise<void> {
  const attempt = task.attempts.at(-1)!;
  if (attempt.state === 'pending') return;
  const { now } = run;
  // An attempt on a host that did not answer is left alone: not failed, nothing burned, and its
  // session not taken for gone (the host's health says `host unreachable since …` once per outage).
  const facts = run.remote?.facts(task.id, attempt) ?? null;
  if (attempt.host && !facts) throw new Error(`attempt ${attempt.n} runs on host ${attempt.host}, and hosts are not available here`);
  if (facts?.kind === 'skip') return;
  const remote = facts?.kind === 'read' ? facts : undefined;
  const session = await sessionView(ctx, task, attempt, remote);
  if (task.state === 'paused') return pausedStep(ctx, task, attempt, session, run);
  // `git status` matters only when a running agent may have finished (clean tree or not).
  const busy = session.state === 'working' || session.state === 'starting' || session.state === 'waiting';
  const needStatus = task.state === 'running' && session.state !== null && !(busy && session.alive !== false);
  // An attempt on a host: the pass's probe read its worktree there and fetched its commits (in the tips).
  const probe = await probeAttempt(ctx.git, {
    repoRoot: ctx.paths.root,
    task,
    attempt,
    tips: run.tips,
    status: needStatus,
    conflictCache: run.conflictCache ?? new Map(),
    ...(remote ? { remote: remoteProbeInput(remote) } : {}),
  });
  const decision = decide(task, session, probe, { now, idleGraceMs: (ctx.config.monitor.idleGraceSec ?? 60) * 1000 });
  const seen = { taskId: task.id, states: [task.state], attempt: attempt.n };
  const { changes } = run;

  switch (decision.kind) {
    case 'none':
      return;
    case 'problem': {
      const moved = await updateIfUnchanged(ctx, seen, (t, a) => {
        a.state = 'failed';
        a.endedAt ??= now.toISOString();
        return move(t, 'failed', decision.reason, now);
      });
      if (moved) changes.push(moved, { taskId: task.id, attempt: attempt.n, what: 'problem', message: decision.reason });
      return;
    }
    case 'fail': {
      // The agent's own words may say the machine is at fault (network, login) or a limit was hit.
      if (await environmentStep(ctx, task, attempt, session, run)) return;
      const out = await updateIfUnchanged(ctx, seen, (t, a) => failAttempt(t, a, decision.class, decision.evidence, now));
      if (out) changes.push(...out);
      return;
    }
    case 'waiting': {
      if (await environmentStep(ctx, task, attempt, session, run)) return;
      const sent = await notifyOnce(ctx, task.id, 'needs-input', attempt.n, `${task.title}: the agent is waiting for input`);
      if (sent.sent) changes.push({ taskId: task.id, attempt: attempt.n, what: 'notified', message: 'needs-input sent' });
      return;
    }
    case 'resume': {
      const moved = await updateIfUnchanged(ctx, seen, (t, a) => {
        a.state = 'running';
        return move(t, 'running', decision.reason, now);
      });
      if (moved) changes.push(moved);
      return;
    }
    case 'finish': {
      const moved = await updateIfUnchanged(ctx, seen, (t, a) => {
        a.state = 'finished';
        if (session.alive === false) a.endedAt ??= now.toISOString();
        return move(t, 'checking', decision.reason, now);
      });
      if (!moved) return;
      changes.push(moved);
      task = { ...task, state: 'checking' };
      break;
    }
    case 'evaluate':
      break;
  }
  const ownPr = task.pr && task.pr.attempt === attempt.n ? task.pr : null;
  if (probe.ahead === 0 && probe.behind > 0 && ownPr?.state === 'open') {
    // Every commit of the branch is on base now: the PR was merged (by hand or by the forge).
    const done = await markPrOutcome(ctx, seen, 'merged', now);
    if (done) changes.push(...done);
    return;
  }
  if (ownPr?.state === 'merged') return;
  let current = probe;
  // The rebase runs where the worktree is: on the attempt's host for one there (rebase.ts).
  if (probe.behind > 0 && probe.ahead > 0 && probe.conflicts?.length === 0 && probe.baseSha && !probe.baseRewritten) {
    const r = await rebaseClean(ctx, task.id, attempt, probe.baseSha);
    if (r.rebased) {
      changes.push({ taskId: task.id, attempt: attempt.n, what: 'gate', message: `rebased onto ${task.base} (${probe.behind} new commits there, no conflicts)` });
      const tips = new Map(run.tips).set(`refs/heads/${attempt.branch}`, r.head);
      current = await probeAttempt(ctx.git, { repoRoot: ctx.paths.root, task, attempt, tips, status: false, conflictCache: run.conflictCache ?? new Map(), ...(remote ? { remote: remoteProbeInput(remote) } : {}) });
    }
  }
  // When another process settled part of the verdict meanwhile (it ran the checks or a gate
  // command), our view is stale: evaluate again from the registry, where that work is now cached.
  let view: Task = task;
  for (let round = 0; round < 3; round++) {
    const outcome = await evaluate(ctx, { task: view, attempt, probe: current, ...(run.signal ? { signal: run.signal } : {}) }, run);
    if (outcome !== 'stale') return;
    const fresh = await freshTask(ctx, task.id);
    if (!fresh || fresh.attempts.at(-1)?.n !== attempt.n || (fresh.state !== 'checking' && fresh.state !== 'ready')) return;
    view = fresh;
  }
}

/** Opens or refreshes the PR, reads CI, evaluates the gates and applies the verdict. */
async function evaluate(ctx: FleetContext, target: ForgeTarget & { signal?: AbortSignal }, run: TaskRun): Promise<'done' | 'stale'> {
  const { task, attempt } = target;
  const { now, changes } = run;
  const before = task.pr;
  const prResult = await run.forge.ensurePr(ctx, target);
  let pr: PullRequest | null = null;
  let prProblem: string | null = null;
  if (isDegraded(prResult)) {
    prProblem = prResult.degraded;
    run.degraded.set(task.id, prResult.degraded);
  } else {
    pr = prResult;
    if (!before || before.number !== pr.number || before.attempt !== pr.attempt) {
      changes.push({ taskId: task.id, attempt: attempt.n, what: 'pr', message: `PR #${pr.number} opened${pr.url ? ` ${pr.url}` : ''} (${pr.commits.length} commits)` });
    }
    if (pr.state !== 'open') {
      // Merged or closed on the forge (GitHub squash merges leave no commits of the branch on base).
      const done = await markPrOutcome(ctx, { taskId: task.id, attempt: attempt.n }, pr.state, now);
      if (done) changes.push(...done);
      return 'done';
    }
  }
  let ci: CiStatus | ForgeDegraded | null = null;
  if (pr) {
    ci = await run.forge.ci(ctx, target, pr);
    if (isDegraded(ci)) run.degraded.set(task.id, ci.degraded);
  }
  if (run.signal?.aborted) return 'done';
  const fresh = (await freshTask(ctx, task.id)) ?? task;
  const verdict = await evaluateGates({ ctx, task: fresh, attempt, probe: target.probe, pr, prProblem, ci, ...(run.spawn ? { spawn: run.spawn } : {}), ...(run.signal ? { signal: run.signal } : {}) }, run.gates ?? {}, now);
  if (run.signal?.aborted) return 'done';
  if (settled(fresh, verdict.verdict, verdict.results, attempt.n)) return 'done';

  const ciSeen = ci && !isDegraded(ci) ? checkStates(ci.checks) : null;
  const out = await updateIfUnchanged(ctx, { taskId: task.id, states: ['checking', 'ready'], attempt: attempt.n }, (t, a) =>
    applyVerdict(t, a, { headSha: target.probe.headSha, hasPr: pr !== null, ciSeen, verdict, now }),
  );
  if (!out) return 'done';
  if (out === 'stale') return 'stale';
  changes.push(...out.lines);
  if (out.ready) {
    const summary = readySummary(pr, verdict.results.ci?.detail);
    const sent = await notifyOnce(ctx, task.id, 'ready', attempt.n, summary);
    if (sent.sent) changes.push({ taskId: task.id, attempt: attempt.n, what: 'notified', message: `ready sent: ${summary}` });
  }
  return 'done';
}

/**
 * Records what became of the attempt's PR. Merged: the task is done (`ready`, PR merged; it no longer
 * needs the human). Closed without merging: the task fails with that reason, for the human to retry
 * with a note or remove; recovery does not retry it on its own.
 */
async function markPrOutcome(
  ctx: FleetContext,
  seen: { taskId: string; attempt: number },
  outcome: 'merged' | 'closed',
  now: Date,
): Promise<MonitorChange[] | null> {
  return updateIfUnchanged(ctx, { ...seen, states: ['checking', 'ready'] }, (t, a) => {
    if (!t.pr) return null;
    t.pr.state = outcome;
    if (outcome === 'merged') {
      const lines: MonitorChange[] = [{ taskId: t.id, attempt: a.n, what: 'pr', message: `PR #${t.pr.number} merged into ${t.base}` }];
      const moved = t.state === 'checking' ? move(t, 'ready', 'PR merged', now) : null;
      if (moved) lines.unshift(moved);
      return lines;
    }
    const reason = `PR #${t.pr.number} was closed without merging`;
    a.state = 'failed';
    a.endedAt ??= now.toISOString();
    const moved = move(t, 'failed', reason, now);
    return [...(moved ? [moved] : []), { taskId: t.id, attempt: a.n, what: 'problem', message: reason }];
  });
}

/** True when the registry already shows this verdict (nothing to write: keeps idle passes cheap). */
function settled(task: Task, verdict: 'pass' | 'fail' | 'pending', results: Record<string, GateResult>, n: number): boolean {
  const strip = (g: Record<string, GateResult>) => JSON.stringify(Object.entries(g).map(([k, v]) => [k, { ...v, since: undefined }]));
  if (strip(task.gates) !== strip(results)) return false;
  if (verdict === 'pass') return task.state === 'ready' && Boolean(task.notified[`ready#${n}`]);
  if (verdict === 'pending') return task.state === 'checking';
  return false;
}

function readySummary(pr: PullRequest | null, ci: string | undefined): string {
  const parts = [pr ? `PR #${pr.number}${pr.url ? ` ${pr.url}` : ''}` : 'no PR', pr ? `${pr.commits.length} commit${pr.commits.length === 1 ? '' : 's'}` : ''];
  if (ci) parts.push(`checks ${ci}`);
  return `all gates passed: ${parts.filter(Boolean).join(', ')}`;
}

/** The task as the registry has it now (a copy of that task only), or null when it is gone. */
async function freshTask(ctx: FleetContext, id: string): Promise<Task | null> {
  try {
    return await ctx.registry.require(id);
  } catch (err) {
    if (err instanceof TaskNotFoundError) return null;
    throw err;
  }
}
