import type { EnvironmentFailure } from '../recovery/index.js';
import type { PauseRecord, Task } from '../core/index.js';
import type { SessionView } from './decide.js';

/**
 * What an environment finding means for a running task whose agent stopped working (it exited, or
 * it sits idle or at a question). Pure.
 * - `environment`: network, login, a missing program: the attempt fails with class `environment`;
 *   recovery does not retry it, the human fixes the machine and `flotilla retry` reuses the attempt.
 * - `pause`: a usage limit or an overloaded API: the task is paused until the reset time the agent
 *   named, or for `backoffSec` when it named none. No attempt is burned.
 */
export type EnvironmentDecision =
  | { kind: 'none' }
  | { kind: 'environment'; evidence: string; message: string }
  | { kind: 'pause'; pause: Omit<PauseRecord, 'attempt'> };

const REASON_TEXT = {
  network: 'no connection to the model API',
  auth: 'not logged in, or the API key was refused',
  missing_binary: 'the agent program is missing',
} as const;

export function decideEnvironment(found: EnvironmentFailure | null, now: Date, backoffSec: number): EnvironmentDecision {
  if (!found) return { kind: 'none' };
  if (found.kind === 'environment') {
    return { kind: 'environment', message: found.message, evidence: `${REASON_TEXT[found.reason]}: the agent said "${found.message}"` };
  }
  const named = found.resetAt !== null && Date.parse(found.resetAt) > now.getTime();
  const until = named ? found.resetAt! : new Date(now.getTime() + backoffSec * 1000).toISOString();
  return { kind: 'pause', pause: { until, named, reason: found.reason, message: found.message, since: now.toISOString() } };
}

/** What to do with a paused task this pass. Pure. */
export type PausedDecision =
  | { kind: 'none'; why?: string }
  /** The agent works again (the human typed to it): the task runs again. */
  | { kind: 'resumed'; reason: string }
  /** The reset time has come: type the agent's "continue" (`send`), or start the attempt again in its worktree (`restart`, the agent is gone). */
  | { kind: 'resume'; how: 'send' | 'restart' }
  /** The reset time has come and auto-resume is off: it stays paused for the human. */
  | { kind: 'due' };

export function decidePaused(task: Task, session: SessionView, now: Date, autoResume: boolean): PausedDecision {
  const pause = task.pause;
  const alive = session.alive ?? (session.state !== null && session.state !== 'exited');
  const busy = alive && (session.state === 'working' || session.state === 'starting');
  // Working again since the pause began (it went on by itself, or someone typed to it), or the
  // human typed to it since (attach, send: its turn may have ended again before this pass). The
  // task runs again; the next pass judges what it shows now. A mere redraw or a late hook that
  // changes idle/waiting is neither.
  const since = pause ? Date.parse(pause.since) : 0;
  const workedSince = busy && (!pause || !session.since || Date.parse(session.since) > since);
  const typedSince = alive && (task.attempts.at(-1)?.interventions ?? []).some((i) => (i.kind === 'send' || i.kind === 'attach') && Date.parse(i.at) > since);
  if (workedSince) return { kind: 'resumed', reason: 'the agent works again' };
  if (typedSince) return { kind: 'resumed', reason: 'you typed to the agent' };
  if (pause && now.getTime() < Date.parse(pause.until)) return { kind: 'none', why: `paused until ${pause.until}` };
  if (!autoResume) return { kind: 'due' };
  if (busy) return { kind: 'none', why: 'the agent is busy' };
  return { kind: 'resume', how: alive ? 'send' : 'restart' };
}

/** "15:00" today, "Dec 5 15:00" another day, in this machine's time zone: how a pause is shown. */
export function pauseTimeText(iso: string, now: Date): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const hm = `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
  const sameDay = at.getFullYear() === now.getFullYear() && at.getMonth() === now.getMonth() && at.getDate() === now.getDate();
  if (sameDay) return hm;
  return `${at.toLocaleString('en-US', { month: 'short' })} ${at.getDate()} ${hm}`;
}
