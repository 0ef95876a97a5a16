import type { Task } from '../core/index.js';

/** Task states in which the work is done and only the human acts next. */
export const FINISHED_STATES: ReadonlySet<Task['state']> = new Set(['ready', 'escalated']);

/**
 * Tasks whose agent, if still alive, holds no agent slot: the task is finished (ready or
 * escalated) or paused until a usage limit resets, and its agent is not working (idle, waiting, or gone). An agent that works again (the
 * human typed to it) counts again at once. Pure: computed from the registry alone.
 */
export function idleAgentTasks(tasks: readonly Task[]): Set<string> {
  const out = new Set<string>();
  for (const t of tasks) {
    // A paused task (usage limit) waits for its reset time: its agent is not working either.
    if (!FINISHED_STATES.has(t.state) && t.state !== 'paused') continue;
    const state = t.attempts.at(-1)?.session?.state;
    if (state === 'working' || state === 'starting') continue;
    out.add(t.id);
  }
  return out;
}

/** Queued tasks in the order they were queued (oldest first): the ones a pass may start. */
export function queuedInOrder(tasks: readonly Task[]): Task[] {
  return tasks.filter((t) => t.state === 'queued').sort((a, b) => Date.parse(a.stateSince) - Date.parse(b.stateSince));
}

/**
 * With `finishedAgents: "close"`: the finished tasks whose agent should be closed now (alive by its
 * last recorded status and not working; the caller checks it is really alive).
 */
export function finishedAgentsToClose(tasks: readonly Task[], mode: 'keep' | 'close'): Task[] {
  if (mode !== 'close') return [];
  const idle = idleAgentTasks(tasks);
  return tasks.filter((t) => {
    const session = t.attempts.at(-1)?.session;
    return FINISHED_STATES.has(t.state) && idle.has(t.id) && Boolean(session) && session!.state !== 'exited';
  });
}
