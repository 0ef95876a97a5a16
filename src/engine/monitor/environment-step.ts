import { attemptFiles, errorMessage, safeLine } from '../core/index.js';
import type { Attempt, FleetContext, MonitorChange, Task } from '../core/index.js';
import { agentCliOf, classifyEnvironment, CONTINUE_TEXT, readTail, type AgentCli } from '../recovery/index.js';
import { resolveProfile } from '../agents/index.js';
import { notifyOnce } from '../notify/index.js';
import { failAttempt, move, updateIfUnchanged } from './apply.js';
import type { SessionView } from './decide.js';
import { decideEnvironment, decidePaused, pauseTimeText } from './environment-decide.js';

/**
 * The monitor's side of environment failures and usage limits (decisions in
 * environment-decide.ts): reads what the agent last showed, fails the attempt as `environment` or
 * pauses the task, and resumes a paused task when its time has come.
 */

/** Non-blank lines at the bottom of the agent's screen that are read for its last words. */
const SCREEN_LINES = 15;

function cliOf(ctx: FleetContext, task: Task): AgentCli {
  try {
    return agentCliOf(task.agent, resolveProfile(ctx.config, task.agent).command);
  } catch {
    return agentCliOf(task.agent);
  }
}

/** The agent's last words: its live screen, or the screen its log leaves, else the log's end; and its exit message. */
async function lastWords(ctx: FleetContext, task: Task, attempt: Attempt, session: SessionView): Promise<string> {
  const parts: string[] = [];
  const sessions = ctx.sessions;
  if (sessions) {
    try {
      const screen = session.alive ? await sessions.capture(task.id) : (await sessions.lastScreen(task.id, { cols: 200, rows: 50 }))?.lines.join('\n');
      // The bottom of the screen only: an error far above a later question is history.
      if (screen) parts.push(screen.split('\n').filter((l) => l.trim()).slice(-SCREEN_LINES).join('\n'));
    } catch {
      // fall back to the log below
    }
  }
  if (!parts.length) parts.push((await readTail(attemptFiles(ctx.paths, task.id, attempt.n).log, 4 * 1024)) ?? '');
  const message = attempt.session?.message;
  if (message) parts.push(message);
  return parts.join('\n');
}

/**
 * For a running task whose agent stopped working: when its last words name an environment failure
 * or a usage limit, acts on it and returns true (the caller's own decision is then skipped).
 */
export async function environmentStep(
  ctx: FleetContext,
  task: Task,
  attempt: Attempt,
  session: SessionView,
  run: { now: Date; changes: MonitorChange[] },
): Promise<boolean> {
  const { now, changes } = run;
  const text = await lastWords(ctx, task, attempt, session);
  const found = classifyEnvironment(text, session.alive ? null : session.exitCode, now, cliOf(ctx, task));
  const decision = decideEnvironment(found, now, ctx.config.recovery.pause.backoffSec);
  const seen = { taskId: task.id, states: ['running'] as const, attempt: attempt.n };
  if (decision.kind === 'none') return false;
  if (decision.kind === 'environment') {
    const out = await updateIfUnchanged(ctx, seen, (t, a) => failAttempt(t, a, 'environment', decision.evidence, now));
    if (!out) return true;
    changes.push(...out);
    const summary = `${decision.evidence}; fix it, then flotilla retry ${task.id} (same worktree)`;
    const sent = await notifyOnce(ctx, task.id, 'environment', attempt.n, summary);
    if (sent.sent) changes.push({ taskId: task.id, attempt: attempt.n, what: 'notified', message: `environment sent: ${summary}` });
    return true;
  }
  const pause = { ...decision.pause, attempt: attempt.n };
  const when = pauseTimeText(pause.until, now);
  const why = `${pause.reason === 'plan_limit' ? 'usage limit' : 'API overloaded'}${pause.named ? '' : `, no reset time named: backoff ${ctx.config.recovery.pause.backoffSec}s`}`;
  const reason = `paused until ${when} (${why}): ${pause.message}`;
  const moved = await updateIfUnchanged(ctx, seen, (t) => {
    t.pause = pause;
    return move(t, 'paused', safeLine(reason, 300), now);
  });
  if (!moved) return true;
  changes.push(moved);
  const sent = await notifyOnce(ctx, task.id, 'paused', attempt.n, reason);
  if (sent.sent) changes.push({ taskId: task.id, attempt: attempt.n, what: 'notified', message: `paused sent: ${reason}` });
  return true;
}

/** A paused task: back to running when the agent works again; at its time, resumed (config recovery.pause.autoResume). */
export async function pausedStep(ctx: FleetContext, task: Task, attempt: Attempt, session: SessionView, run: { now: Date; changes: MonitorChange[] }): Promise<void> {
  const { now, changes } = run;
  const decision = decidePaused(task, session, now, ctx.config.recovery.pause.autoResume);
  const seen = { taskId: task.id, states: ['paused'] as const, attempt: attempt.n };
  switch (decision.kind) {
    case 'none':
    case 'due':
      return;
    case 'resumed': {
      const moved = await updateIfUnchanged(ctx, seen, (t) => move(t, 'running', decision.reason, now));
      if (moved) changes.push(moved);
      return;
    }
    case 'resume':
      break;
  }
  if (decision.how === 'send') {
    if (!ctx.sessions) return;
    const text = CONTINUE_TEXT[cliOf(ctx, task)];
    try {
      await ctx.sessions.send(task.id, text);
    } catch (err) {
      changes.push({ taskId: task.id, attempt: attempt.n, what: 'problem', message: `resuming after the pause: ${safeLine(errorMessage(err), 200)}` });
      return;
    }
    const moved = await updateIfUnchanged(ctx, seen, (t) => move(t, 'running', `resumed: sent "${text}" after the pause`, now));
    if (moved) changes.push(moved);
    return;
  }
  // The agent is gone: the attempt starts again in its own worktree (the queued task is started
  // by the pass that starts queued tasks, when a slot is free).
  const moved = await updateIfUnchanged(ctx, seen, (t) => move(t, 'queued', `resuming attempt ${attempt.n} after the pause (same worktree)`, now));
  if (moved) changes.push(moved);
}
