import { join } from 'node:path';
import { ConfigError, type FlotillaConfig, type JobRequest, type RemoteHostPort } from '../core/index.js';
import { AdmissionQueue } from './admission-queue.js';
import type { AdmissionLimits, MemoryReading } from './decide.js';
import { cachedReader, type MemoryReader } from './memory-reader.js';
import type { PeakStore } from './peaks.js';

/**
 * A host's build slots: checks of attempts on a host run there, so they queue for that host
 * (`hosts.<name>.maxBuilds`, its `memReserveMB` against its live memory), not for this machine's
 * admission queue. The same AdmissionQueue, fed by the host's memory reading, with its queue file
 * under `.flotilla/hosts/<name>/queue.json`, so every flotilla process of the repository shares it.
 */

/** Memory as the host reports it (`/proc/meminfo`, `pswpin` of `/proc/vmstat`); null without MemAvailable. */
export interface HostMemory {
  totalMB: number;
  availableMB: number;
  swapTotalMB: number;
  swapUsedMB: number;
  swapInPages: number | null;
}

/** One exec on the host: its meminfo and swap-in counter; nothing (exit 0) where there is no /proc. */
export const HOST_MEMORY_SCRIPT = 'cat /proc/meminfo 2>/dev/null; grep "^pswpin " /proc/vmstat 2>/dev/null; exit 0';

/** Parses HOST_MEMORY_SCRIPT's output; null when it has no MemTotal and MemAvailable (not Linux, old kernel). */
export function parseHostMemory(text: string): HostMemory | null {
  const kb = (name: string): number | null => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    return m ? Number(m[1]) : null;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  if (total === null || available === null || total <= 0) return null;
  const swapTotal = kb('SwapTotal') ?? 0;
  const swapFree = kb('SwapFree') ?? swapTotal;
  const pages = /^pswpin (\d+)$/m.exec(text);
  return {
    totalMB: total / 1024,
    availableMB: available / 1024,
    swapTotalMB: swapTotal / 1024,
    swapUsedMB: Math.max(0, swapTotal - swapFree) / 1024,
    swapInPages: pages ? Number(pages[1]) : null,
  };
}

/**
 * Memory of unknown size (a host without /proc/meminfo): only the slots limit admission there.
 * Infinite, so no job ever waits for memory or counts as too big for the machine.
 */
export const UNKNOWN_MEMORY: MemoryReading = { totalMB: Infinity, availableMB: Infinity, swapTotalMB: 0, swapUsedMB: 0, swapping: false };

/**
 * Reads a host's live memory over its connection (one exec, cached for `maxAgeMs`). Swap-in is
 * the `pswpin` delta between two readings of this process, as for this machine: more than
 * `minPagesPerSec` marks the host swapping until none was seen for `settleMs`. A host that does
 * not answer throws (the check could not run there either).
 */
export function hostMemoryReader(
  host: Pick<RemoteHostPort, 'name' | 'runner'>,
  o: { maxAgeMs?: number; settleMs?: number; minPagesPerSec?: number; now?: () => number } = {},
): MemoryReader {
  const now = o.now ?? Date.now;
  let last: { pages: number; at: number } | null = null;
  let lastSwapInAt = -Infinity;
  const read: MemoryReader = async () => {
    const r = await host.runner.run('sh', ['-c', HOST_MEMORY_SCRIPT], { timeoutMs: 30_000 });
    if (r.exitCode !== 0) throw new Error(`host ${host.name}: cannot read its memory: ${(r.error ?? r.stderr).trim().split('\n').at(-1) || `exit ${r.exitCode}`}`);
    const m = parseHostMemory(r.stdout);
    if (!m) return UNKNOWN_MEMORY;
    const t = now();
    if (m.swapInPages !== null) {
      if (last && t > last.at && ((m.swapInPages - last.pages) * 1000) / (t - last.at) > (o.minPagesPerSec ?? 16)) lastSwapInAt = t;
      last = { pages: m.swapInPages, at: t };
    }
    return { totalMB: m.totalMB, availableMB: m.availableMB, swapTotalMB: m.swapTotalMB, swapUsedMB: m.swapUsedMB, swapping: t - lastSwapInAt < (o.settleMs ?? 5000) };
  };
  return cachedReader(read, o.maxAgeMs ?? 2000, now);
}

/** A host's limits: its build and agent slots, its reserve (refused when not below its memory). */
export function hostLimits(name: string, host: RemoteHostPort['config'], config: Pick<FlotillaConfig, 'limits'>, totalMB: number, configFile: string): AdmissionLimits {
  if (host.memReserveMB >= totalMB) {
    throw new ConfigError(configFile, `hosts.${name}.memReserveMB`, `${host.memReserveMB} MB is not below host ${name}'s total memory (${Math.round(totalMB)} MB); lower it`);
  }
  return { maxAgents: host.maxAgents, maxBuilds: host.maxBuilds, staggerMs: config.limits.staggerMs, reserveMB: host.memReserveMB };
}

export interface HostBuildQueueOptions {
  host: Pick<RemoteHostPort, 'name' | 'config' | 'runner'>;
  /** The repository's `.flotilla` folder; the host's queue goes under `hosts/<name>/`. */
  stateDir: string;
  configFile: string;
  config: FlotillaConfig;
  /** This machine's learned peaks: a check's expected peak (nothing is learned on the host). */
  peaks?: PeakStore;
  /** The host's memory (default: read over its connection). */
  memory?: MemoryReader;
  onWaiting?: (job: JobRequest, reason: string) => void;
  onWarning?: (message: string) => void;
  pollMs?: number;
}

/** The admission queue of one host's build slots (checks of attempts on that host). */
export function createHostBuildQueue(o: HostBuildQueueOptions): AdmissionQueue {
  const { name, config: hc } = o.host;
  return new AdmissionQueue({
    stateDir: join(o.stateDir, 'hosts', name),
    configFile: o.configFile,
    config: o.config,
    memory: o.memory ?? hostMemoryReader(o.host),
    // The ticket's pid is the local ssh client, not the check: nothing here measures the host's processes.
    processes: async () => [],
    limits: (totalMB) => hostLimits(name, hc, o.config, totalMB, o.configFile),
    pollMs: o.pollMs ?? 1000,
    ...(o.peaks ? { peaks: o.peaks } : {}),
    ...(o.onWaiting ? { onWaiting: o.onWaiting } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
  });
}
