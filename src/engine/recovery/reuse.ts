import type { Attempt, FleetContext, Task } from '../core/index.js';
import { transition } from '../tasks/index.js';
import { resolveProfile } from '../agents/index.js';
import { agentCliOf, CONTINUE_TEXT } from './environment.js';

/**
 * Whether `flotilla retry` goes on in the same attempt instead of making a new one: after an
 * environment failure (the human fixed the network or the login) and for a paused task (resume
 * now). A class given by the human asks for a new attempt.
 */
export function reusesAttempt(task: Task, last: Attempt, givenClass: string | undefined): boolean {
  if (givenClass) return false;
  return task.state === 'paused' || (task.state === 'failed' && last.failure?.class === 'environment');
}

/**
 * Goes on in the same attempt and worktree: a live agent is sent the "continue" its CLI expects and
 * the task runs again; a gone one leaves the task queued for `task.start`, which starts the same
 * attempt again in its worktree. No attempt is burned.
 */
export async function reuseAttempt(fleet: FleetContext, task: Task, last: Attempt, alive: boolean, now: Date): Promise<{ sent: string | null }> {
  let sent: string | null = null;
  if (alive && fleet.sessions) {
    let command: readonly string[] = [];
    try {
      command = resolveProfile(fleet.config, task.agent).command;
    } catch {
      command = [];
    }
    sent = CONTINUE_TEXT[agentCliOf(task.agent, command)];
    await fleet.sessions.send(task.id, sent);
  }
  await fleet.registry.updateTask(task.id, (t) => {
    const a = t.attempts.at(-1);
    if (!a || a.n !== last.n) return;
    const was = t.state === 'paused' ? 'the pause' : 'the environment failure';
    a.failure = null;
    if (sent !== null) {
      a.state = 'running';
      a.endedAt = null;
      transition(t, 'running', `retry: attempt ${a.n} goes on after ${was} (sent "${sent}")`, now);
    } else {
      transition(t, 'queued', `retry: attempt ${a.n} starts again in its worktree after ${was}`, now);
    }
  });
  return { sent };
}
