import { gitArgs } from '../git/index.js';
import type { GitClient } from '../git/index.js';
import { conflictsWith } from '../git/index.js';
import { isOrchestrator } from '../orchestrator/index.js';
import type { ChangedFiles, Overlap, RegistryData, Task } from '../core/index.js';
import { knownConflicts, overlapsByTask, overlappingPairs, type LiveHead, type OverlapPair } from './pairs.js';

/** Results by commit (they never change for the same commits), kept by the monitor loop between passes. */
export type RadarCache = Map<string, string[]>;

export interface RadarContext {
  git: GitClient;
  paths: { root: string };
  registry: { update<T>(change: (data: RegistryData) => T | Promise<T>): Promise<T> };
}

export interface RadarResult {
  /** Live attempts compared. */
  live: number;
  /** Pairs that changed some of the same files. */
  overlapping: number;
  /** Pairs among them that would conflict. */
  conflicting: number;
  /** git processes started by this pass. */
  gitProcesses: number;
  /** Wall time of the radar, registry write included. */
  durationMs: number;
  /** The overlaps of each live task (tasks not in the map have none). */
  overlaps: Map<string, Overlap[]>;
}

const LIVE: ReadonlySet<Task['state']> = new Set(['running', 'checking', 'ready']);

function liveAttempt(task: Task) {
  if (!LIVE.has(task.state) || isOrchestrator(task)) return null;
  const attempt = task.attempts.at(-1);
  if (!attempt || attempt.state === 'pending') return null;
  if (task.pr && task.pr.state !== 'open') return null;
  return attempt;
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * The conflict radar: for every pair of live attempts (running, checking, ready) on the same base,
 * the files both changed and whether merging their heads would conflict. git processes: one
 * `git diff --name-only base...head` per attempt whose head or base moved, and one `git merge-tree`
 * per overlapping pair whose heads moved; everything else comes from the registry (attempt.changed,
 * task.overlaps) or the in-memory cache. The registry is written once, only when something changed.
 */
export async function runRadar(
  ctx: RadarContext,
  data: RegistryData,
  tips: Map<string, string>,
  cache: RadarCache = new Map(),
  concurrency = 4,
): Promise<RadarResult> {
  const started = Date.now();
  let gitProcesses = 0;
  const live: { task: Task; baseSha: string; headSha: string; known: string[] | null }[] = [];
  for (const task of data.tasks) {
    const attempt = liveAttempt(task);
    if (!attempt) continue;
    const headSha = tips.get(`refs/heads/${attempt.branch}`);
    const baseSha = tips.get(`refs/heads/${task.base}`) ?? tips.get(`refs/remotes/${task.base}`);
    if (!headSha || !baseSha || headSha === baseSha) continue;
    const known = attempt.changed && attempt.changed.baseSha === baseSha && attempt.changed.headSha === headSha ? attempt.changed.files : cache.get(`d:${baseSha}:${headSha}`) ?? null;
    live.push({ task, baseSha, headSha, known });
  }
  // Independent git processes run a few at a time (each is a short read of the object store).
  const changed = new Map<string, ChangedFiles>();
  await mapLimit(live, concurrency, async ({ task, baseSha, headSha, known }) => {
    let files = known;
    if (!files) {
      gitProcesses++;
      const out = await ctx.git.run(ctx.paths.root, gitArgs.diffNames(`${baseSha}...${headSha}`));
      files = out.split('\0').filter(Boolean).sort();
      cache.set(`d:${baseSha}:${headSha}`, files);
    }
    changed.set(task.id, { baseSha, headSha, files });
  });
  const heads: LiveHead[] = live
    .map(({ task, headSha }) => ({ taskId: task.id, base: task.base, headSha, files: changed.get(task.id)!.files }))
    .filter((h) => h.files.length > 0);

  const pairs = overlappingPairs(heads);
  const results: (OverlapPair & { conflicts: string[] })[] = [];
  await mapLimit(pairs, concurrency, async (p) => {
    let conflicts = knownConflicts(data.tasks, p.a, p.b) ?? cache.get(`c:${p.a.headSha}:${p.b.headSha}`) ?? null;
    if (!conflicts) {
      gitProcesses++;
      conflicts = await conflictsWith(ctx.git, ctx.paths.root, p.a.headSha, p.b.headSha);
      cache.set(`c:${p.a.headSha}:${p.b.headSha}`, conflicts);
    }
    results.push({ ...p, conflicts });
  });
  const overlaps = overlapsByTask(results);

  const stale = (t: Task) => {
    const a = t.attempts.at(-1);
    const c = changed.get(t.id);
    return !same(t.overlaps?.length ? t.overlaps : null, overlaps.get(t.id) ?? null) || (c && a && !same(a.changed, c));
  };
  if (data.tasks.some(stale)) {
    await ctx.registry.update((fresh) => {
      for (const t of fresh.tasks) {
        const mine = overlaps.get(t.id);
        if (mine) t.overlaps = mine;
        else delete t.overlaps;
        const c = changed.get(t.id);
        const a = t.attempts.at(-1);
        if (c && a && tips.get(`refs/heads/${a.branch}`) === c.headSha) a.changed = c;
      }
    });
  }
  return { live: changed.size, overlapping: pairs.length, conflicting: results.filter((r) => r.conflicts.length).length, gitProcesses, durationMs: Date.now() - started, overlaps };
}
