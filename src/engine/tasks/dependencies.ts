import type { Task } from '../core/index.js';

/**
 * Returns a dependency cycle (as a list of ids, first == last) that adding or changing task `id`
 * with dependencies `after` would create, or null when there is none.
 */
export function findDependencyCycle(tasks: readonly Pick<Task, 'id' | 'after'>[], id: string, after: readonly string[]): string[] | null {
  const edges = new Map<string, readonly string[]>(tasks.map((t) => [t.id, t.after]));
  edges.set(id, after);
  const path: string[] = [];
  const onPath = new Set<string>();
  const done = new Set<string>();
  const visit = (node: string): string[] | null => {
    if (onPath.has(node)) return [...path.slice(path.indexOf(node)), node];
    if (done.has(node)) return null;
    onPath.add(node);
    path.push(node);
    for (const next of edges.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
    return null;
  };
  return visit(id);
}

/** Dependencies of `task` that are not done yet (done: ready, or merged PR). */
export function pendingDependencies(task: Pick<Task, 'after'>, tasks: readonly Task[]): string[] {
  return task.after.filter((dep) => {
    const t = tasks.find((x) => x.id === dep);
    return !t || !(t.state === 'ready' || t.pr?.state === 'merged');
  });
}

/** Why a task waits, for its `reason` (e.g. "blocked: waiting for api-client, schema"). */
export function blockedReason(pending: readonly string[]): string {
  return `blocked: waiting for ${pending.join(', ')}`;
}

/**
 * The ref a dependent task's first attempt starts from: the branch of a dependency that is ready
 * but not merged (its work is not on base yet), or the task's base once every dependency is merged.
 * With several unmerged dependencies the first one listed wins; the others reach the task when
 * they are merged and the task is rebased.
 */
export function dependencyStartPoint(task: Pick<Task, 'after' | 'base'>, tasks: readonly Task[]): { ref: string; from: string | null } {
  for (const dep of task.after) {
    const t = tasks.find((x) => x.id === dep);
    if (!t || t.pr?.state === 'merged') continue;
    const branch = t.pr?.branch ?? t.attempts.at(-1)?.branch;
    if (branch) return { ref: branch, from: dep };
  }
  return { ref: task.base, from: null };
}
