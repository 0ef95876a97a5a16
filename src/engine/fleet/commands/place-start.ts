import type { FleetContext, HostQueueView, HostReservation, Task } from '../../core/index.js';
import { FlotillaError, UsageError } from '../../core/index.js';
import { profileNames, resolveProfile } from '../../agents/index.js';
import {
  agentPrograms,
  cachedHostRows,
  hostFindings,
  hostQueueViews,
  hostRefusal,
  hostSituation,
  LOCAL_HOST,
  placeTask,
  type Placement,
  type ProbedRow,
} from '../../hosts/index.js';

/**
 * A probe of the hosts taken this recently is reused by `start` (several starts in a row probe
 * once). An older reading errs on the safe side: agents started after it are counted with their
 * whole expected peak still to come (hostSituation), and slots come from the registry and the
 * queue's reservations, never from the probe.
 */
export const PLACEMENT_MAX_AGE_MS = 15_000;
/** The queue panel and `status` accept a slightly older reading. */
const VIEW_MAX_AGE_MS = 10_000;
const PLACE_TIMEOUT_MS = 15_000;
const VIEW_TIMEOUT_MS = 5_000;

function programOf(ctx: FleetContext, task: Task): string {
  return resolveProfile(ctx.config, task.agent).command[0] ?? '';
}

/** Each host's recent probe (the shared cache, probing the stale ones) with the registry's agents. */
async function hostRows(ctx: FleetContext, tasks: readonly Task[], opts: { only?: string[]; maxAgeMs: number; timeoutMs: number }): Promise<ProbedRow[]> {
  const programs = agentPrograms(profileNames(ctx.config).map((p) => resolveProfile(ctx.config, p)));
  return cachedHostRows({ config: ctx.config, configFile: ctx.paths.configFile, stateDir: ctx.paths.stateDir, repoRoot: ctx.paths.root, tasks, programs, maxAgeMs: opts.maxAgeMs, timeoutMs: opts.timeoutMs, ...(opts.only ? { only: opts.only } : {}) });
}

/**
 * Placement at start: a task's first attempt, with no `--host` and no pin, goes to the host the
 * decider picks from a recent probe of every host (local included): a free agent slot, the agent's
 * CLI installed, the most memory free above the reserve. When no host qualifies the task stays on
 * this machine, where the admission queue makes it wait as before; the reasons are returned.
 */
export async function placeFirstAttempt(ctx: FleetContext, task: Task, tasks: readonly Task[]): Promise<Placement | null> {
  if (task.host || task.attempts.length > 0 || Object.keys(ctx.config.hosts).length === 0 || !ctx.hosts) return null;
  const peak = ctx.config.limits.defaultPeakMB.agent;
  const rows = await hostRows(ctx, tasks, { maxAgeMs: PLACEMENT_MAX_AGE_MS, timeoutMs: PLACE_TIMEOUT_MS });
  return placeTask(
    rows.map((p) => hostSituation(p, tasks, peak)),
    { program: programOf(ctx, task), expectedPeakMB: peak },
  );
}

/** Faults no wait cures: the start fails with the fix (`hosts check` says the same). */
const NEEDS_A_FIX = new Set(['auth', 'hostkey', 'garbage']);

/**
 * An agent slot on a remote host: the host's `maxAgents` against the agents the registry says run
 * there plus those being started there now, and the task's expected peak against the host's memory
 * above its reserve (a probe at most a few seconds old). The check and the reservation happen under
 * the admission queue's lock, so two starts never both take the last slot. A host that needs a fix
 * (a refused key, an unknown host key) fails the start with one line naming the host and the fix.
 */
export async function reserveHostSlot(ctx: FleetContext, task: Task, host: string): Promise<HostReservation | { waiting: string }> {
  const peak = ctx.config.limits.defaultPeakMB.agent;
  const [probed] = await hostRows(ctx, (await ctx.registry.read()).tasks, { only: [host], maxAgeMs: PLACEMENT_MAX_AGE_MS, timeoutMs: PLACE_TIMEOUT_MS });
  if (!probed) throw new UsageError(`task ${task.id} is pinned to host ${host}, and config has no such host: put it back under "hosts", or start it with --host NAME (local: this machine)`);
  if (!probed.row.reachable && NEEDS_A_FIX.has(probed.row.fault ?? '')) {
    const f = hostFindings({ row: probed.row, config: ctx.config.hosts[host] ?? null, agentPrograms: [], agentPeakMB: peak })[0];
    throw new FlotillaError(`cannot start ${task.id} on host ${host}: ${f?.what ?? probed.row.message}${f?.fix ? `; fix: ${f.fix}` : ''}`);
  }
  const req = { program: programOf(ctx, task), expectedPeakMB: peak };
  const decide = async (starting: number[]) => {
    const r = hostRefusal(hostSituation(probed, (await ctx.registry.read()).tasks, peak, starting), req);
    return 'reason' in r ? `waiting: host ${host} ${r.reason}` : null;
  };
  const job = { kind: 'agent' as const, key: `agent:${task.agent}`, label: `agent ${task.id} on ${host}`, taskId: task.id };
  if (ctx.admission?.reserveOnHost) return ctx.admission.reserveOnHost(job, host, decide);
  const reason = await decide([]);
  return reason === null ? { release: async () => undefined } : { waiting: reason };
}

/** The per-host rows of the queue panel and `status` (undefined when config has no hosts). */
export async function hostsQueueView(ctx: FleetContext): Promise<HostQueueView[] | undefined> {
  if (Object.keys(ctx.config.hosts).length === 0) return undefined;
  const tasks = (await ctx.registry.read()).tasks;
  const rows = await hostRows(ctx, tasks, { maxAgeMs: VIEW_MAX_AGE_MS, timeoutMs: VIEW_TIMEOUT_MS });
  return hostQueueViews(rows, tasks, { programOf: (t) => programOf(ctx, t), peakMB: ctx.config.limits.defaultPeakMB.agent });
}

/** "box: 2/2 agent slots busy; big: claude not installed": why no other host took a task. */
export function placementReasons(placement: Placement | null): string {
  if (!placement || placement.host !== null) return '';
  return placement.waiting
    .filter((w) => w.host !== LOCAL_HOST)
    .map((w) => `${w.host}: ${w.reason}`)
    .join('; ');
}
