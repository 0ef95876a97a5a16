import type { Overlap, Task } from '../core/index.js';

/** One live attempt as the radar sees it. */
export interface LiveHead {
  taskId: string;
  base: string;
  headSha: string;
  /** Files the head changed since its merge base with base. */
  files: readonly string[];
}

/** A pair of live attempts on one base that changed some of the same files. */
export interface OverlapPair {
  a: LiveHead;
  b: LiveHead;
  files: string[];
}

/** Every pair of live heads on the same base whose changed files intersect (pure). */
export function overlappingPairs(heads: readonly LiveHead[]): OverlapPair[] {
  const pairs: OverlapPair[] = [];
  const byBase = new Map<string, LiveHead[]>();
  for (const h of heads) byBase.set(h.base, [...(byBase.get(h.base) ?? []), h]);
  for (const group of byBase.values()) {
    const sets = group.map((h) => new Set(h.files));
    for (let i = 0; i < group.length; i++) {
      for (let j = i + 1; j < group.length; j++) {
        const [small, large] = sets[i]!.size <= sets[j]!.size ? [sets[i]!, sets[j]!] : [sets[j]!, sets[i]!];
        const files = [...small].filter((f) => large.has(f)).sort();
        if (files.length) pairs.push({ a: group[i]!, b: group[j]!, files });
      }
    }
  }
  return pairs;
}

/** A conflict result known from an earlier pass for exactly these two heads, if any. */
export function knownConflicts(tasks: readonly Task[], a: LiveHead, b: LiveHead): string[] | null {
  const mine = tasks.find((t) => t.id === a.taskId)?.overlaps?.find((o) => o.task === b.taskId);
  return mine && mine.heads[0] === a.headSha && mine.heads[1] === b.headSha ? mine.conflicts : null;
}

/** The overlaps each task gets from the pairs and their conflict results. */
export function overlapsByTask(pairs: readonly (OverlapPair & { conflicts: string[] })[]): Map<string, Overlap[]> {
  const out = new Map<string, Overlap[]>();
  const add = (id: string, o: Overlap) => out.set(id, [...(out.get(id) ?? []), o]);
  for (const p of pairs) {
    add(p.a.taskId, { task: p.b.taskId, files: p.files, conflicts: p.conflicts, heads: [p.a.headSha, p.b.headSha] });
    add(p.b.taskId, { task: p.a.taskId, files: p.files, conflicts: p.conflicts, heads: [p.b.headSha, p.a.headSha] });
  }
  for (const list of out.values()) list.sort((x, y) => x.task.localeCompare(y.task));
  return out;
}

/**
 * Which of two conflicting ready siblings to merge first: the one that became ready first (it has
 * waited longest), then the smaller change, then by id. The other is rebased after.
 */
export function mergeFirst(a: Task, b: Task, filesOf: (t: Task) => number): [Task, Task] {
  if (a.stateSince !== b.stateSince) return a.stateSince < b.stateSince ? [a, b] : [b, a];
  const fa = filesOf(a);
  const fb = filesOf(b);
  if (fa !== fb) return fa < fb ? [a, b] : [b, a];
  return a.id < b.id ? [a, b] : [b, a];
}

/**
 * The recommended merge order of ready tasks: those that conflict with a ready sibling go after the
 * sibling `mergeFirst` picks; otherwise the order they became ready in.
 */
export function recommendedOrder(ready: readonly Task[]): Task[] {
  const filesOf = (t: Task) => t.attempts.at(-1)?.changed?.files.length ?? 0;
  const byReady = [...ready].sort((x, y) => (x.stateSince < y.stateSince ? -1 : x.stateSince > y.stateSince ? 1 : x.id.localeCompare(y.id)));
  const ids = new Set(byReady.map((t) => t.id));
  const mustFollow = new Map<string, Set<string>>();
  for (const t of byReady) {
    for (const o of t.overlaps ?? []) {
      if (!o.conflicts.length || !ids.has(o.task)) continue;
      const other = byReady.find((x) => x.id === o.task)!;
      const [, second] = mergeFirst(t, other, filesOf);
      const first = second.id === t.id ? other : t;
      mustFollow.set(second.id, (mustFollow.get(second.id) ?? new Set()).add(first.id));
    }
  }
  const order: Task[] = [];
  const placed = new Set<string>();
  while (order.length < byReady.length) {
    const next = byReady.find((t) => !placed.has(t.id) && [...(mustFollow.get(t.id) ?? [])].every((id) => placed.has(id)))
      ?? byReady.find((t) => !placed.has(t.id))!;
    order.push(next);
    placed.add(next.id);
  }
  return order;
}
