import { isAbsolute, relative, resolve } from 'node:path';
import type { RegistryData, Task } from './schema.js';

/** Where attempt worktrees may be: under the worktree root; the orchestrator's in the main checkout. */
export interface RegistryPlaces {
  worktreeRoot: string;
  repoRoot: string;
}

function inside(root: string, path: string): boolean {
  if (!isAbsolute(path)) return false;
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** The first task in an `after` cycle, as "a -> b -> a", or null. */
function findCycle(tasks: readonly Task[]): string | null {
  const after = new Map(tasks.map((t) => [t.id, t.after]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...path.slice(path.indexOf(id)), id].join(' -> ');
    state.set(id, 'visiting');
    path.push(id);
    for (const next of after.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const t of tasks) {
    const cycle = visit(t.id);
    if (cycle) return cycle;
  }
  return null;
}

/**
 * The values the schema cannot check alone: ids unique, `after` naming existing tasks without a
 * cycle, attempt branches of flotilla's own pattern `flotilla/<task>-a<N>` and, when `places` is
 * given, worktrees under the worktree root (the orchestrator's: the main checkout). A registry
 * edited by hand or by another program must not make flotilla delete a branch or folder it never
 * made. Returns the first problem ("where: what"), or null.
 */
export function registryProblem(data: RegistryData, places?: RegistryPlaces): string | null {
  const seen = new Set<string>();
  for (const [i, t] of data.tasks.entries()) {
    if (seen.has(t.id)) return `tasks.${i}.id: "${t.id}" is used by two tasks`;
    seen.add(t.id);
  }
  for (const [i, t] of data.tasks.entries()) {
    for (const dep of t.after) {
      if (!seen.has(dep)) return `tasks.${i}.after: "${dep}" is not a task`;
    }
    const orchestrator = t.kind === 'orchestrator';
    for (const [j, a] of t.attempts.entries()) {
      const where = `tasks.${i}.attempts.${j}`;
      if (!orchestrator && a.branch !== `flotilla/${t.id}-a${a.n}`) {
        return `${where}.branch: "${a.branch}" is not flotilla's branch for attempt ${a.n} of ${t.id} (flotilla/${t.id}-a${a.n})`;
      }
      if (!places) continue;
      if (orchestrator) {
        if (resolve(a.worktree) !== resolve(places.repoRoot)) return `${where}.worktree: "${a.worktree}" is not the main checkout ${places.repoRoot}`;
      } else if (!inside(places.worktreeRoot, a.worktree)) {
        return `${where}.worktree: "${a.worktree}" is not under the worktree root ${places.worktreeRoot}`;
      }
    }
  }
  const cycle = findCycle(data.tasks);
  if (cycle) return `tasks: "after" makes a cycle: ${cycle}`;
  return null;
}
