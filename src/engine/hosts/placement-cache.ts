import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { FlotillaError, type FlotillaConfig, type Task } from '../core/index.js';
import { withFileLock, writeFileAtomic } from '../fs/index.js';
import type { RunningJob } from '../builds/index.js';
import type { HostSituation } from './place.js';
import { attemptHost, hostLoad, hostsReport, LOCAL_HOST, type HostRow } from './report.js';

/**
 * The hosts' last probe, shared by every flotilla process of the repository for a few seconds:
 * `.flotilla/hosts-probe.json` (0600, written atomically under its lock). Placement and host
 * admission at `start`, and the per-host rows of the queue panel and `status`, read it instead of
 * probing every host each time: several starts in a row probe once. Each host's row carries its
 * own time; a host whose row is older than asked (or whose config changed) is probed again, the
 * others are not. The agents running on a host always come from the registry, never the cache.
 */

const rowSchema = z.object({
  name: z.string(),
  target: z.string().nullable(),
  reachable: z.boolean(),
  fault: z.enum(['unreachable', 'auth', 'hostkey', 'timeout', 'garbage', 'error']).nullable(),
  message: z.string().nullable(),
  memory: z.object({ totalMB: z.number(), availableMB: z.number(), reserveMB: z.number(), freeAboveReserveMB: z.number() }).nullable(),
  programs: z.record(z.string(), z.string().nullable()),
  worktreeRoot: z.enum(['ok', 'missing', 'readonly']).nullable(),
  agentRssMB: z.record(z.string(), z.number()).default({}),
  probeMs: z.number(),
});
const cacheSchema = z.object({
  version: z.literal(1),
  hosts: z.record(z.string(), z.object({ at: z.number(), key: z.string(), row: rowSchema })),
});
type CacheData = z.infer<typeof cacheSchema>;

export function placementCacheFile(stateDir: string): string {
  return join(stateDir, 'hosts-probe.json');
}

/** A host's probe row with the time it was taken. */
export interface ProbedRow {
  row: HostRow;
  /** ms since the epoch. */
  at: number;
}

export interface CachedRowsInput {
  config: FlotillaConfig;
  configFile: string;
  stateDir: string;
  tasks: readonly Task[];
  /** The agent programs to look for: every profile's (agentPrograms), so a start of another agent reuses the probe. */
  programs: readonly string[];
  /** Reuse a row taken at most this long ago. */
  maxAgeMs: number;
  timeoutMs: number;
  /** Only these hosts (default: local and every configured host). */
  only?: readonly string[];
  /** The repository, so each host's row measures its agents' RSS (see HostRow.agentRssMB). */
  repoRoot?: string;
  now?: () => number;
}

async function readCache(file: string): Promise<CacheData> {
  try {
    const parsed = cacheSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    // Only a cache: a damaged file is probed again.
    return parsed.success ? parsed.data : { version: 1, hosts: {} };
  } catch {
    return { version: 1, hosts: {} };
  }
}

/** What a row depends on besides time: the host's config and the programs looked for. */
function rowKey(config: FlotillaConfig, name: string, programs: readonly string[]): string {
  const hc = name === LOCAL_HOST ? { reserve: config.limits.memReserveMB ?? null } : config.hosts[name];
  return createHash('sha256').update(JSON.stringify([hc, programs])).digest('hex').slice(0, 16);
}

/** Each host's row, from the cache when recent enough, else from one probe (all stale hosts at once). */
export async function cachedHostRows(input: CachedRowsInput): Promise<ProbedRow[]> {
  const now = input.now ?? Date.now;
  const known = new Set([LOCAL_HOST, ...Object.keys(input.config.hosts)]);
  // A name config does not have (any more) gets no row.
  const names = (input.only ?? [...known]).filter((n) => known.has(n));
  const programs = [...new Set(input.programs)].sort();
  const file = placementCacheFile(input.stateDir);
  const withLoad = (p: ProbedRow): ProbedRow => {
    const load = hostLoad(input.tasks, p.row.name);
    return { at: p.at, row: { ...p.row, agents: { ...load, max: p.row.agents.max } } };
  };
  const fresh = (cache: CacheData, n: string) => {
    const c = cache.hosts[n];
    return c && c.key === rowKey(input.config, n, programs) && now() - c.at <= input.maxAgeMs && now() >= c.at ? c : null;
  };
  let cache = await readCache(file);
  const stale = names.filter((n) => !fresh(cache, n));
  // Each stale host is probed under a lock of its own, all at once: a second process that needs
  // the same host waits for this probe and reuses it, while starts on other hosts (a `start` of
  // several ids runs one lane per host) never wait behind it. The shared file is only rewritten,
  // under its own short lock, to merge a row in.
  const wait = { timeoutMs: input.timeoutMs + 30_000, staleMs: input.timeoutMs + 30_000 };
  const probed = new Map<string, CacheData['hosts'][string]>();
  await Promise.all(
    stale.map((n) =>
      withFileLock(
        `${file}.${n}.lock`,
        async () => {
          if (fresh(await readCache(file), n)) return;
          const at = now();
          const rows = await hostsReport({ config: input.config, configFile: input.configFile, stateDir: input.stateDir, tasks: input.tasks, programs, versions: false, timeoutMs: input.timeoutMs, only: [n], ...(input.repoRoot !== undefined ? { repoRoot: input.repoRoot } : {}) });
          await withFileLock(`${file}.lock`, async () => {
            const current = await readCache(file);
            for (const row of rows) probed.set(row.name, (current.hosts[row.name] = { at, key: rowKey(input.config, row.name, programs), row }));
            for (const k of Object.keys(current.hosts)) if (!known.has(k)) delete current.hosts[k];
            await writeFileAtomic(file, `${JSON.stringify(current)}\n`);
          });
        },
        wait,
      ),
    ),
  );
  if (stale.length > 0) cache = await readCache(file);
  return names.map((n) => {
    const c = probed.get(n) ?? cache.hosts[n];
    if (!c) throw new FlotillaError(`no probe of host ${n} could be read from ${file}`);
    const max = n === LOCAL_HOST ? input.config.limits.maxAgents : (input.config.hosts[n]?.maxAgents ?? 0);
    return withLoad({ at: c.at, row: { ...(c.row as Omit<HostRow, 'agents'>), agents: { running: 0, queued: 0, tasks: [], max } } as HostRow });
  });
}

/**
 * The decider's view of a host from its probe row and the registry. An agent that was running at
 * the probe counts with the RSS the probe measured for it (its growth still to come is its expected
 * peak minus that); one the probe could not measure (no ps there) is taken as being at its
 * expected peak (its memory is in the reading); one started after the probe (or being started now:
 * `startingPeaksMB`) still has its whole expected peak to come.
 */
export function hostSituation(p: ProbedRow, tasks: readonly Task[], peakMB: number, startingPeaksMB: readonly number[] = []): HostSituation {
  const { row } = p;
  const running: RunningJob[] = [];
  for (const t of tasks) {
    const last = t.attempts.at(-1);
    if (!(t.state === 'running' || t.state === 'checking') || last?.state !== 'running' || attemptHost(last) !== row.name) continue;
    const since = last.startedAt ? Date.parse(last.startedAt) : 0;
    const measured = row.agentRssMB?.[t.id];
    running.push({ kind: 'agent', expectedPeakMB: peakMB, rssMB: since > p.at ? 0 : (measured ?? peakMB) });
  }
  for (const mb of startingPeaksMB) running.push({ kind: 'agent', expectedPeakMB: mb, rssMB: 0 });
  return {
    name: row.name,
    reachable: row.reachable,
    ...(row.reachable ? {} : { why: `${row.fault ?? 'error'}: ${row.message ?? 'no answer'}` }),
    maxAgents: row.agents.max,
    reserveMB: row.memory?.reserveMB ?? 0,
    memory: row.memory ? { totalMB: row.memory.totalMB, availableMB: row.memory.availableMB } : null,
    running,
    installed: new Set(Object.entries(row.programs).filter(([, v]) => v !== null).map(([k]) => k)),
    // An unreachable host's row lists no program: it is refused as unreachable first anyway.
    lookedFor: new Set(Object.keys(row.programs)),
  };
}
