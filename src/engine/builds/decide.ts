import type { JobKind } from '../core/index.js';

/**
 * The admission decision as a pure function: no clock, no I/O. The queue feeds it the live memory
 * reading, the jobs running in every flotilla process and the jobs queued ahead of the candidate.
 */

export type SlotClass = 'agent' | 'build';

/** Agents have their own slots; check, install, build and review share the build slots. */
export function slotClass(kind: JobKind): SlotClass {
  return kind === 'agent' ? 'agent' : 'build';
}

export interface AdmissionLimits {
  maxAgents: number;
  maxBuilds: number;
  staggerMs: number;
  reserveMB: number;
}

export interface MemoryReading {
  totalMB: number;
  availableMB: number;
  swapTotalMB: number;
  swapUsedMB: number;
  /** Swap-in activity seen recently: admission pauses until it settles. */
  swapping: boolean;
}

export interface RunningJob {
  kind: JobKind;
  expectedPeakMB: number;
  /** Last sampled RSS of the job's process tree (0 when not measured yet). */
  rssMB: number;
}

export interface CandidateJob {
  kind: JobKind;
  expectedPeakMB: number;
  label?: string;
}

export interface AdmissionInput {
  limits: AdmissionLimits;
  memory: MemoryReading;
  running: readonly RunningJob[];
  /** Jobs queued before the candidate (FIFO), in every process. */
  ahead: readonly CandidateJob[];
  job: CandidateJob;
  now: number;
  /** When the last job (any kind, any process) started; null if never. */
  lastStartAt: number | null;
}

export type AdmissionDecision =
  | { admit: true; warning?: string }
  | { admit: false; reason: string; retryInMs?: number };

/** "1.4 GB" with one decimal. */
export function formatGB(mb: number): string {
  return `${(Math.max(0, mb) / 1024).toFixed(1)} GB`;
}

/**
 * Memory that running jobs have not used yet but are expected to: each running job may still grow
 * from its sampled RSS up to its expected peak. Live available memory already counts what they use.
 */
export function pendingGrowthMB(running: readonly RunningJob[]): number {
  return running.reduce((sum, r) => sum + Math.max(0, r.expectedPeakMB - r.rssMB), 0);
}

/** Memory a new job could take now without eating into the reserve. */
export function freeAboveReserveMB(memory: MemoryReading, reserveMB: number, running: readonly RunningJob[]): number {
  return memory.availableMB - reserveMB - pendingGrowthMB(running);
}

export function decideAdmission(input: AdmissionInput): AdmissionDecision {
  const { limits, memory, running, ahead, job, now, lastStartAt } = input;
  const cls = slotClass(job.kind);

  // 1. Slots of the job's class.
  const max = cls === 'agent' ? limits.maxAgents : limits.maxBuilds;
  const busy = running.filter((r) => slotClass(r.kind) === cls).length;
  if (busy >= max) return { admit: false, reason: `waiting: ${busy}/${max} ${cls} slots busy` };

  // 2. FIFO: an earlier job of the same class goes first. An earlier job of the other class that
  //    has a free slot and is held back only by memory is not overtaken either (else small jobs
  //    could starve a large one); one held back by its own slots, or too big for the machine
  //    anyway, is (else a full agent queue would stall every check for hours).
  const sameClassAhead = ahead.filter((a) => slotClass(a.kind) === cls).length;
  if (sameClassAhead > 0) {
    return { admit: false, reason: `waiting: ${sameClassAhead} earlier ${cls} job${sameClassAhead === 1 ? '' : 's'} queued first` };
  }
  const free = freeAboveReserveMB(memory, limits.reserveMB, running);
  const ceiling = memory.totalMB - limits.reserveMB;
  const slotFree = (c: SlotClass) => running.filter((r) => slotClass(r.kind) === c).length < (c === 'agent' ? limits.maxAgents : limits.maxBuilds);
  const blocker = ahead.find((a) => slotFree(slotClass(a.kind)) && a.expectedPeakMB > free && a.expectedPeakMB <= ceiling);
  if (blocker) {
    return { admit: false, reason: `waiting: queued behind ${blocker.label ?? `a ${blocker.kind} job`} (needs ~${formatGB(blocker.expectedPeakMB)})` };
  }

  // 3. The machine is paging in: starting more work makes it worse.
  if (memory.swapping) return { admit: false, reason: 'waiting: swap-in activity, admission paused until it settles' };

  // 4. Stagger two starts so their start-up peaks do not coincide.
  if (lastStartAt !== null && limits.staggerMs > 0) {
    const wait = lastStartAt + limits.staggerMs - now;
    if (wait > 0) return { admit: false, reason: `waiting: staggering starts (${(wait / 1000).toFixed(1)} s)`, retryInMs: wait };
  }

  // 5. Memory: the job's expected peak must fit above the reserve.
  if (job.expectedPeakMB > ceiling) {
    // More than the machine could ever give: rather than wait forever, run it as the only job of
    // its class (agents live for hours, so "nothing at all running" might never happen).
    if (busy === 0) {
      return {
        admit: true,
        warning: `${job.label ?? `${job.kind} job`} needs ~${formatGB(job.expectedPeakMB)}, more than this machine has above the reserve (${formatGB(ceiling)}); starting it alone`,
      };
    }
    return { admit: false, reason: `waiting: needs ~${formatGB(job.expectedPeakMB)}, more than the machine has above reserve; waits to run alone` };
  }
  if (job.expectedPeakMB > free) {
    return { admit: false, reason: `waiting: needs ~${formatGB(job.expectedPeakMB)}, ${formatGB(free)} free above reserve` };
  }
  return { admit: true };
}
