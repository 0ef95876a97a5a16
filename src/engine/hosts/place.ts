import { formatGB, freeAboveReserveMB, type RunningJob } from '../builds/index.js';

/**
 * Placement of a task on a host, as a pure decider: no clock, no I/O. The caller feeds it each
 * host's live reading (from the batched probe for remote hosts, the admission queue's reader for
 * `local`), the agents running there and the limits from config.
 *
 * A host qualifies when it answers, has a free agent slot, has the task's agent CLI installed and
 * has the task's expected peak free above its reserve, counting the growth still expected from its
 * running agents (the admission queue's rule for one machine). Of those, the one with the most
 * memory free above reserve wins; on a tie `local` first, then by name. When none qualifies the
 * answer says, per host, why it waits, so the queue panel and `status` can show it.
 */

export interface HostSituation {
  name: string;
  /** Null: the host does not answer (or answers garbage); `why` says how. */
  reachable: boolean;
  why?: string;
  maxAgents: number;
  reserveMB: number;
  /** Live reading; null when the host does not report memory (then memory is not checked). */
  memory: { totalMB: number; availableMB: number } | null;
  /** Agents running (or being started) on the host. */
  running: readonly RunningJob[];
  /** Programs found on the host's PATH. */
  installed: ReadonlySet<string>;
  /**
   * Programs the probe looked for; a program it did not (an absolute path, which the probe does
   * not check) is not held against the host. Absent: every program was looked for.
   */
  lookedFor?: ReadonlySet<string>;
}

export interface PlacementRequest {
  /** The program the task's agent runs (claude, codex, ...). */
  program: string;
  expectedPeakMB: number;
  /** `--host NAME`: only that host is considered. */
  pinned?: string;
}

export type Placement =
  | { host: string; freeMB: number | null }
  | { host: null; waiting: { host: string; reason: string }[] };

/** Why `host` cannot take the task now, or null when it can (with its free memory above reserve). */
export function hostRefusal(host: HostSituation, req: PlacementRequest): { reason: string } | { freeMB: number | null } {
  if (!host.reachable) return { reason: `unreachable${host.why ? ` (${host.why})` : ''}` };
  const agents = host.running.filter((r) => r.kind === 'agent').length;
  if (agents >= host.maxAgents) return { reason: `${agents}/${host.maxAgents} agent slots busy` };
  if (!host.installed.has(req.program) && (host.lookedFor?.has(req.program) ?? true)) return { reason: `${req.program} not installed` };
  if (!host.memory) return { freeMB: null };
  const free = freeAboveReserveMB({ ...host.memory, swapTotalMB: 0, swapUsedMB: 0, swapping: false }, host.reserveMB, host.running);
  if (req.expectedPeakMB > free) return { reason: `needs ~${formatGB(req.expectedPeakMB)}, ${formatGB(free)} free above reserve` };
  return { freeMB: free };
}

export function placeTask(hosts: readonly HostSituation[], req: PlacementRequest): Placement {
  const considered = req.pinned === undefined ? hosts : hosts.filter((h) => h.name === req.pinned);
  if (req.pinned !== undefined && considered.length === 0) return { host: null, waiting: [{ host: req.pinned, reason: 'no such host in config' }] };
  const fits: { host: string; freeMB: number | null }[] = [];
  const waiting: { host: string; reason: string }[] = [];
  for (const h of considered) {
    const r = hostRefusal(h, req);
    if ('reason' in r) waiting.push({ host: h.name, reason: r.reason });
    else fits.push({ host: h.name, freeMB: r.freeMB });
  }
  if (fits.length === 0) return { host: null, waiting };
  // Unknown memory ranks after every known reading (it cannot be compared), local first on ties.
  const rank = (f: { freeMB: number | null }) => f.freeMB ?? -Infinity;
  fits.sort((a, b) => rank(b) - rank(a) || (a.host === 'local' ? -1 : b.host === 'local' ? 1 : a.host.localeCompare(b.host)));
  return fits[0]!;
}
