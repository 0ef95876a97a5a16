import type { FleetContext, Task } from '../../core/index.js';
import { resolveProfile } from '../../agents/index.js';
import { hostsReport, LOCAL_HOST, placeTask, type HostSituation, type Placement } from '../../hosts/index.js';

const PLACE_TIMEOUT_MS = 15_000;

/**
 * Placement at start: a task's first attempt, with no `--host` and no pin, goes to the host the
 * decider picks from one probe of every host (local included): a free agent slot, the agent's CLI
 * installed, the most memory free above the reserve. Remote agents' growth is not measured yet:
 * each running agent is taken at its expected peak already. When no host qualifies the task stays
 * on this machine, where the admission queue makes it wait as before; the reasons are returned.
 */
export async function placeFirstAttempt(ctx: FleetContext, task: Task, tasks: readonly Task[]): Promise<Placement | null> {
  if (task.host || task.attempts.length > 0 || Object.keys(ctx.config.hosts).length === 0 || !ctx.hosts) return null;
  const program = resolveProfile(ctx.config, task.agent).command[0] ?? '';
  const peak = ctx.config.limits.defaultPeakMB.agent;
  const rows = await hostsReport({ config: ctx.config, configFile: ctx.paths.configFile, stateDir: ctx.paths.stateDir, tasks, programs: [program], versions: false, timeoutMs: PLACE_TIMEOUT_MS });
  const situations: HostSituation[] = rows.map((r) => ({
    name: r.name,
    reachable: r.reachable,
    ...(r.message ? { why: r.message } : {}),
    maxAgents: r.agents.max,
    reserveMB: r.memory?.reserveMB ?? 0,
    memory: r.memory ? { totalMB: r.memory.totalMB, availableMB: r.memory.availableMB } : null,
    running: Array.from({ length: r.agents.running }, () => ({ kind: 'agent' as const, expectedPeakMB: peak, rssMB: peak })),
    installed: new Set(Object.entries(r.programs).filter(([, v]) => v !== null).map(([k]) => k)),
  }));
  // This machine's own limits are the admission queue's: it always qualifies as the fallback.
  return placeTask(situations, { program, expectedPeakMB: peak });
}
