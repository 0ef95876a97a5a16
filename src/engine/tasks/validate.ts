import { isAbsolute, relative, resolve } from 'node:path';
import type { RegistryData } from '../core/index.js';
import { findDependencyCycle } from './dependencies.js';

/** Where attempt worktrees may be: under the worktree root; the orchestrator's in the main checkout. */
export interface RegistryPlaces {
  worktreeRoot: string;
  repoRoot: string;
  /**
   * Other roots flotilla itself may have put worktrees under: the per-repository default when the
   * user set `worktreeRoot` later, so changing that setting does not refuse the attempts made before.
   */
  alsoUnder?: readonly string[];
}

function inside(root: string, path: string): boolean {
  if (!isAbsolute(path)) return false;
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
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
      if (a.host !== undefined) {
        // A path on another machine: flotilla never deletes it locally; it must still be a plain absolute path.
        if (orchestrator) return `${where}.host: the orchestrator runs in the main checkout, not on host "${a.host}"`;
        if (!isAbsolute(a.worktree) || resolve(a.worktree) !== a.worktree) return `${where}.worktree: "${a.worktree}" is not an absolute path on host ${a.host}`;
        continue;
      }
      if (!places) continue;
      if (orchestrator) {
        if (resolve(a.worktree) !== resolve(places.repoRoot)) return `${where}.worktree: "${a.worktree}" is not the main checkout ${places.repoRoot}`;
      } else if (![places.worktreeRoot, ...(places.alsoUnder ?? [])].some((root) => inside(root, a.worktree))) {
        return `${where}.worktree: "${a.worktree}" is not under the worktree root ${places.worktreeRoot} (if config worktreeRoot changed, set it back while attempts made under the old one remain)`;
      }
    }
  }
  for (const t of data.tasks) {
    const cycle = findDependencyCycle(data.tasks, t.id, t.after);
    if (cycle) return `tasks: "after" makes a cycle: ${cycle.join(' -> ')}`;
  }
  return null;
}
