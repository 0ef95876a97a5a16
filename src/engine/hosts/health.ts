import { ConfigError, type FlotillaConfig, type RegistryPort, type Task } from '../core/index.js';
import type { HostFault, PassHost } from '../core/index.js';
import { attemptHost, LOCAL_HOST } from './report.js';

/**
 * Host faults as pure deciders. A host that stops answering is not a failure of its tasks: their
 * attempts are shown `host unreachable since …`, nothing is burned, and the human hears it once per
 * outage (one "needs you" for the host, not one per task); when the host answers again its sessions
 * are adopted and the host's note goes away.
 */

export interface HostHealth {
  /** ISO time of the first failed probe of this outage; null while the host answers. */
  downSince: string | null;
  fault: HostFault | null;
  message: string | null;
}

export type HostEvent =
  | { kind: 'host-down'; host: string; since: string; fault: HostFault; message: string; tasks: string[] }
  | { kind: 'host-back'; host: string; downSince: string; tasks: string[] };

/** Tasks whose current attempt runs (or waits to be adopted) on `host`. */
export function tasksOnHost(tasks: readonly Task[], host: string): string[] {
  return tasks
    .filter((t) => {
      const last = t.attempts.at(-1);
      return last !== undefined && last.state === 'running' && attemptHost(last) === host;
    })
    .map((t) => t.id);
}

/**
 * The next health of every probed host and the events to emit: `host-down` once when a host that
 * answered stops (with the tasks it holds), `host-back` once when it answers again. A host that
 * stays down emits nothing more, whatever its number of tasks or passes.
 */
export function nextHostHealth(
  previous: Readonly<Record<string, HostHealth>>,
  outcomes: readonly PassHost[],
  tasks: readonly Task[],
  now: string,
): { health: Record<string, HostHealth>; events: HostEvent[] } {
  const health: Record<string, HostHealth> = { ...previous };
  const events: HostEvent[] = [];
  for (const o of outcomes) {
    const before = previous[o.name];
    if (o.ok) {
      health[o.name] = { downSince: null, fault: null, message: null };
      if (before?.downSince) events.push({ kind: 'host-back', host: o.name, downSince: before.downSince, tasks: tasksOnHost(tasks, o.name) });
      continue;
    }
    const since = before?.downSince ?? now;
    health[o.name] = { downSince: since, fault: o.fault, message: o.message };
    if (!before?.downSince) events.push({ kind: 'host-down', host: o.name, since, fault: o.fault, message: o.message, tasks: tasksOnHost(tasks, o.name) });
  }
  return { health, events };
}

/** The line an attempt on a down host shows instead of failing. */
export function unreachableNote(health: HostHealth): string | null {
  return health.downSince ? `${UNREACHABLE_PREFIX}${health.downSince}${health.message ? ` (${health.message})` : ''}` : null;
}

/** What a task's reason begins with while its host does not answer. */
export const UNREACHABLE_PREFIX = 'host unreachable since ';

/**
 * The reasons to write so `status` and the fleet view show `host unreachable since …` on the tasks
 * of a down host (their latest attempt is there and the task is live), and clear it once the host
 * answers: task id → new reason (null: cleared). Tasks already showing the right reason are left out.
 */
export function hostReasons(tasks: readonly Task[], health: Readonly<Record<string, HostHealth>>): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const t of tasks) {
    const last = t.attempts.at(-1);
    if (!last?.host || !['running', 'checking', 'ready', 'paused'].includes(t.state)) continue;
    const h = health[last.host];
    const note = h ? unreachableNote(h) : null;
    if (note && t.reason !== note) out.set(t.id, note);
    else if (!note && h && t.reason?.startsWith(UNREACHABLE_PREFIX)) out.set(t.id, null);
  }
  return out;
}

/**
 * Hosts that tasks still run on but config no longer has: refusing such a config keeps those agents
 * reachable (stop them first, or put the host back). Empty when every such host is configured.
 */
export function removedHostsInUse(config: Pick<FlotillaConfig, 'hosts'>, tasks: readonly Task[]): { host: string; tasks: string[] }[] {
  const used = new Map<string, string[]>();
  for (const t of tasks) {
    const last = t.attempts.at(-1);
    if (!last || last.state !== 'running') continue;
    const host = attemptHost(last);
    if (host === LOCAL_HOST || Object.hasOwn(config.hosts, host)) continue;
    used.set(host, [...(used.get(host) ?? []), t.id]);
  }
  return [...used].map(([host, ids]) => ({ host, tasks: ids }));
}

/** One line for removedHostsInUse, or null when there is nothing to refuse. */
export function removedHostsMessage(removed: readonly { host: string; tasks: string[] }[]): string | null {
  if (removed.length === 0) return null;
  const parts = removed.map((r) => `host ${r.host} still runs ${r.tasks.join(', ')}`);
  return `${parts.join('; ')}, but config has no such host: put it back under "hosts" (then stop those tasks with \`flotilla stop ${removed.flatMap((r) => r.tasks).join(' ')}\` before removing it)`;
}

/**
 * Refuses a config that dropped a host tasks still run on (ConfigError on key `hosts`). A registry
 * that cannot be read is left to the caller's own read, which says what is wrong with it.
 */
export async function refuseRemovedHosts(registry: Pick<RegistryPort, 'read'>, config: Pick<FlotillaConfig, 'hosts'>, configFile: string): Promise<void> {
  let tasks: readonly Task[];
  try {
    tasks = (await registry.read()).tasks;
  } catch {
    return;
  }
  const message = removedHostsMessage(removedHostsInUse(config, tasks));
  if (message) throw new ConfigError(configFile, 'hosts', message);
}
