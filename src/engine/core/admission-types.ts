import type { JobKind } from './config-schema.js';

/**
 * The contract of the admission queue: heavy work (agents, checks, installs, reviews, builds) asks
 * for a ticket, runs, and releases it. Admission reads live free memory; see builds/README in docs.
 */

export interface JobRequest {
  kind: JobKind;
  /** Identifies "the same command" across runs, for learned peak memory (e.g. "check:test" or the argv joined). */
  key: string;
  /** Shown in the Queue panel and status --json. */
  label: string;
  taskId?: string;
}

export interface Ticket {
  readonly id: string;
  /** Measure this process tree's RSS for the learned peak while the ticket is held. */
  trackPid(pid: number): void;
  /** Frees the slot (idempotent). */
  release(): Promise<void>;
  /**
   * Makes `pid` the owner of the slot: the entry stays in the shared queue while that process
   * lives and is pruned once it is gone, even after this flotilla process exits (an agent in tmux).
   */
  handOver?(pid: number): Promise<void>;
}

export interface AdmissionJobView {
  id: string;
  kind: JobKind;
  label: string;
  taskId?: string;
  since: string;
  expectedPeakMB: number;
  /** For waiting jobs: why, e.g. "waiting: 2/2 build slots busy". */
  reason?: string;
}

export interface ResourcesSnapshot {
  totalMB: number;
  availableMB: number;
  reserveMB: number;
  swapping: boolean;
  running: AdmissionJobView[];
  waiting: AdmissionJobView[];
  recommendation: { agents: number; reason: string };
}

export interface Admission {
  /** Resolves when the job may start; the signal cancels waiting. */
  acquire(job: JobRequest, signal?: AbortSignal): Promise<Ticket>;
  snapshot(): Promise<ResourcesSnapshot>;
}
