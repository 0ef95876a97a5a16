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

/**
 * One host of the fleet as the queue panel and `status` show it: agents running of its maximum,
 * memory free above its reserve (from a recent probe), and each task waiting for it with why.
 */
export interface HostQueueView {
  name: string;
  reachable: boolean;
  /** Why the host does not answer (`auth: Permission denied …`); null when it does. */
  fault: string | null;
  agents: { running: number; max: number };
  /** RSS of the agents running there, as the probe measured it, MB; null when none was measured. */
  agentsRssMB: number | null;
  /** Live free memory minus the reserve at the probe; null when unknown. */
  freeAboveReserveMB: number | null;
  /** When the reading was taken (ISO). */
  probedAt: string;
  waiting: { taskId: string; reason: string }[];
}

/** A job this machine's flotilla is starting on another host (held from the check to the registry write). */
export interface HostReservation {
  release(): Promise<void>;
}

export interface ResourcesSnapshot {
  /** Per host (local first), when config has hosts. */
  hosts?: HostQueueView[];
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
  /**
   * Starts the job now if it may; otherwise withdraws it and resolves to why it would wait
   * (`elsewhere`: a live flotilla process, maybe this one, already waits for this task's agent).
   */
  tryAcquire?(job: JobRequest): Promise<Ticket | { waiting: string; elsewhere?: boolean }>;
  snapshot(): Promise<ResourcesSnapshot>;
  /**
   * A slot for an agent on another host. Under the queue's lock (the one local admission takes),
   * `decide` gets the expected peaks of the agents being started on that host right now by any
   * flotilla process of the repository, and answers why the job must wait, or null: then the job is
   * reserved until `release` (the caller releases it once the registry records the agent running).
   */
  reserveOnHost?(job: JobRequest, host: string, decide: (startingPeaksMB: number[]) => Promise<string | null>): Promise<HostReservation | { waiting: string }>;
}
