import type { Attempt, Task } from '../core/index.js';

/** A new task record with every field at its starting value. */
export function newTask(
  fields: Pick<Task, 'id' | 'title' | 'prompt' | 'agent' | 'base'> & Partial<Pick<Task, 'tags' | 'after' | 'context' | 'state' | 'reason'>> & Partial<Pick<Task, 'kind'>>,
  now = new Date().toISOString(),
): Task {
  return {
    tags: [],
    after: [],
    context: [],
    state: 'new',
    reason: null,
    ...fields,
    stateSince: now,
    createdAt: now,
    updatedAt: now,
    attempts: [],
    gates: {},
    pr: null,
    cost: null,
    notified: {},
    history: [],
  };
}

/** A new attempt waiting to start (`pending`), in its worktree on its branch. */
export function newAttempt(
  fields: Pick<Attempt, 'n' | 'branch' | 'worktree' | 'startPoint'> & Partial<Pick<Attempt, 'enrichment' | 'baseCommit'>>,
  now = new Date().toISOString(),
): Attempt {
  return {
    state: 'pending',
    startedAt: null,
    endedAt: null,
    session: null,
    failure: null,
    enrichment: null,
    ciRounds: 0,
    ...fields,
    createdAt: now,
  };
}
