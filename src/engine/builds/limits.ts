import type { FlotillaConfig } from '../core/index.js';
import { ConfigError } from '../core/index.js';
import { formatGB, freeAboveReserveMB, slotClass, type AdmissionLimits, type MemoryReading, type RunningJob } from './decide.js';

/**
 * The memory reserve: `limits.memReserveMB` when set, else max(2048 MB, 15% of total), never more
 * than half of a small machine. A configured reserve at or above total memory is a ConfigError:
 * nothing could ever start.
 */
export function resolveReserveMB(limits: FlotillaConfig['limits'], totalMB: number, configFile: string): number {
  if (limits.memReserveMB !== undefined) {
    if (limits.memReserveMB >= totalMB) {
      throw new ConfigError(
        configFile,
        'limits.memReserveMB',
        `${limits.memReserveMB} MB is not below this machine's total memory (${Math.round(totalMB)} MB); lower it, or remove it for the default max(2048, 15% of total)`,
      );
    }
    return limits.memReserveMB;
  }
  return Math.round(Math.min(Math.max(2048, totalMB * 0.15), totalMB / 2));
}

export function admissionLimits(config: FlotillaConfig, totalMB: number, configFile: string): AdmissionLimits {
  return {
    maxAgents: config.limits.maxAgents,
    maxBuilds: config.limits.maxBuilds,
    staggerMs: config.limits.staggerMs,
    reserveMB: resolveReserveMB(config.limits, totalMB, configFile),
  };
}

export interface Recommendation {
  agents: number;
  reason: string;
}

/**
 * How many agents this machine can run now: the agents already running plus as many more as fit in
 * the free memory above the reserve at the learned agent peak (the largest learned one, else the
 * configured default) plus what flotilla itself runs per agent, capped by limits.maxAgents.
 */
export function recommendAgents(input: {
  memory: MemoryReading;
  limits: AdmissionLimits;
  running: readonly RunningJob[];
  /** Learned peaks of agent jobs, MB; empty when none was measured yet. */
  learnedAgentPeaksMB: readonly number[];
  defaultAgentPeakMB: number;
  /** What flotilla's own processes add per agent (the tmux server's pane, a log writer of its own), MB. */
  overheadPerAgentMB?: number;
}): Recommendation {
  const { memory, limits, running } = input;
  const learned = input.learnedAgentPeaksMB.length > 0;
  const overhead = Math.max(0, input.overheadPerAgentMB ?? 0);
  const perAgent = (learned ? Math.max(...input.learnedAgentPeaksMB) : input.defaultAgentPeakMB) + overhead;
  const runningAgents = running.filter((r) => slotClass(r.kind) === 'agent').length;
  const free = freeAboveReserveMB(memory, limits.reserveMB, running);
  const more = Math.max(0, Math.floor(free / perAgent));
  const fit = runningAgents + more;
  const agents = Math.min(limits.maxAgents, fit);
  const parts = [
    `~${formatGB(perAgent)} per agent (${learned ? 'learned' : 'default'}${overhead > 0 ? `, ${Math.round(overhead)} MB of it flotilla's own (tmux, log)` : ''})`,
    `${formatGB(free)} free above a ${formatGB(limits.reserveMB)} reserve`,
    `${runningAgents} running + ${more} more fit`,
  ];
  if (memory.swapping) parts.push('swapping now: start none until it settles');
  if (fit > limits.maxAgents) parts.push(`capped by limits.maxAgents ${limits.maxAgents}`);
  return { agents: memory.swapping ? runningAgents : agents, reason: parts.join('; ') };
}
