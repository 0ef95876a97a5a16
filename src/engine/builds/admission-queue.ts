import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { FlotillaConfig } from '../core/index.js';
import { AdmissionAbortedError } from '../core/index.js';
import { decideAdmission, type AdmissionLimits, type MemoryReading, type RunningJob } from './decide.js';
import { admissionLimits, recommendAgents } from './limits.js';
import { cachedReader, createSystemMemoryReader, type MemoryReader } from './memory-reader.js';
import { PeakStore } from './peaks.js';
import { defaultProcessLister, treeRssMB, type ProcessLister } from './process-tree.js';
import { processAlive } from '../exec/index.js';
import { QueueFile, type QueueEntry } from './queue-file.js';
import type { Admission, AdmissionJobView, HostQueueView, HostReservation, JobRequest, ResourcesSnapshot, Ticket } from '../core/index.js';

/** The reason a running agent's entry gives when it is idle in a finished task (it holds no slot). */
export const IDLE_NO_SLOT = 'idle in a finished task: holds no slot';

export { AdmissionAbortedError };

export interface AdmissionQueueOptions {
  /** The repository's `.flotilla` folder: queue.json and resources.json live there. */
  stateDir: string;
  /** Named in config errors (a reserve above total memory). */
  configFile: string;
  config: FlotillaConfig;
  memory?: MemoryReader;
  processes?: ProcessLister;
  /** How often a waiting job asks again. Default 250 ms. */
  pollMs?: number;
  /** How often the process trees of running jobs are measured. Default 500 ms. */
  sampleMs?: number;
  /** What flotilla's own processes add to each agent, MB (counted by the recommendation). */
  agentOverheadMB?: () => number;
  /** Called when a job starts despite needing more than the machine could ever give. */
  onWarning?: (message: string) => void;
  /** Called when a job of this process has to wait, and again whenever the reason changes. */
  onWaiting?: (job: JobRequest, reason: string) => void;
  isAlive?: (pid: number) => boolean;
  now?: () => number;
  /**
   * Tasks whose agent is kept alive but idle in a finished task (ready, escalated): their running
   * agent entries hold no slot (see idle-slots.ts). Read at each admission decision.
   */
  idleAgentTasks?: () => Promise<ReadonlySet<string>>;
  /** The limits for a machine of `totalMB` (default: config `limits`; a host's queue has its own). */
  limits?: (totalMB: number) => AdmissionLimits;
  /** Where learned peaks are read and written (default: `resources.json` in stateDir). */
  peaks?: PeakStore;
  /** Per-host rows for the snapshot (config `hosts`), from the composition root; none: no `hosts`. */
  hostsView?: () => Promise<HostQueueView[] | undefined>;
}

interface HeldTicket {
  id: string;
  job: JobRequest;
  pids: Set<number>;
  peakMB: number;
  rssMB: number;
  writtenRssMB: number;
}

/** A waiting entry refreshes `seenAt` this often; one not refreshed for STALE_WAITER_MS is skipped. */
const HEARTBEAT_MS = 2000;
const STALE_WAITER_MS = 10_000;

interface StartOutcome {
  started: boolean;
  warning?: string;
  reason?: string;
  retryInMs?: number;
}

function toRunning(e: QueueEntry): RunningJob {
  return { kind: e.kind, expectedPeakMB: e.expectedPeakMB, rssMB: e.rssMB };
}

/** An agent kept alive, idle, in a finished task: it stays listed but holds no slot. */
function holdsNoSlot(e: QueueEntry, idle: ReadonlySet<string>): boolean {
  return e.kind === 'agent' && Boolean(e.taskId) && idle.has(e.taskId!);
}

function view(e: QueueEntry): AdmissionJobView {
  const v: AdmissionJobView = {
    id: e.id,
    kind: e.kind,
    label: e.label,
    since: e.startedAt ?? e.enqueuedAt,
    expectedPeakMB: e.expectedPeakMB,
  };
  if (e.taskId) v.taskId = e.taskId;
  if (e.state === 'waiting') v.reason = e.reason ?? 'waiting: queued';
  else if (e.warning) v.reason = e.warning;
  return v;
}

/**
 * The admission queue: a job waits until a slot of its kind is free, starts are staggered and its
 * expected peak fits in live available memory above the reserve (see decide.ts). The queue itself
 * lives in `.flotilla/queue.json` so that every flotilla process of the repository shares it.
 */
export class AdmissionQueue implements Admission {
  readonly queue: QueueFile;
  readonly peaks: PeakStore;
  private readonly memory: MemoryReader;
  private readonly processes: ProcessLister;
  private readonly now: () => number;
  private readonly held = new Map<string, HeldTicket>();
  private readonly waitingIds = new Set<string>();
  private wakers = new Set<() => void>();
  private sampler: NodeJS.Timeout | null = null;
  private sampling = false;
  private closed = false;

  constructor(private readonly options: AdmissionQueueOptions) {
    this.queue = new QueueFile(join(options.stateDir, 'queue.json'), options.isAlive ?? processAlive);
    this.peaks = options.peaks ?? new PeakStore(join(options.stateDir, 'resources.json'));
    this.memory = cachedReader(options.memory ?? createSystemMemoryReader(), 150);
    this.processes = options.processes ?? defaultProcessLister();
    this.now = options.now ?? Date.now;
  }

  async acquire(job: JobRequest, signal?: AbortSignal): Promise<Ticket> {
    const id = await this.enqueue(job);
    let lastReason: string | undefined;
    try {
      for (;;) {
        if (signal?.aborted || this.closed) throw new AdmissionAbortedError(`stopped waiting for ${job.label}`);
        const outcome = await this.tryStart(id);
        if (!outcome.started && outcome.reason && outcome.reason !== lastReason) {
          lastReason = outcome.reason;
          this.options.onWaiting?.(job, outcome.reason);
        }
        if (outcome.started) {
          this.waitingIds.delete(id);
          if (outcome.warning) this.options.onWarning?.(outcome.warning);
          return this.ticket(id, job);
        }
        await this.pause(Math.min(this.options.pollMs ?? 250, outcome.retryInMs ?? Infinity), signal);
      }
    } catch (err) {
      this.waitingIds.delete(id);
      await this.removeEntry(id).catch(() => undefined);
      // Stopped while a round was under way (close() withdrew the entry that round looks for): the
      // waiter stopped, whatever that round then ran into.
      if (signal?.aborted || this.closed) throw new AdmissionAbortedError(`stopped waiting for ${job.label}`);
      throw err;
    }
  }

  /**
   * Starts the job now if it may, else withdraws it and says why (a one-shot command leaves the
   * waiting to a process that stays). Only a stagger of a moment is waited out. A task whose agent
   * another live process is already waiting for is refused with that reason.
   */
  async tryAcquire(job: JobRequest): Promise<Ticket | { waiting: string; elsewhere?: boolean }> {
    if (job.taskId) {
      const data = await this.queue.read();
      this.queue.prune(data);
      const now = this.now();
      const other = data.entries.find(
        (e) => e.taskId === job.taskId && e.kind === job.kind && e.state === 'waiting' && now - (e.seenAt ?? now) < STALE_WAITER_MS,
      );
      if (other) return { waiting: other.reason ?? 'waiting: queued', elsewhere: true };
    }
    const id = await this.enqueue(job);
    try {
      for (;;) {
        if (this.closed) throw new AdmissionAbortedError(`stopped waiting for ${job.label}`);
        const outcome = await this.tryStart(id);
        if (outcome.started) {
          this.waitingIds.delete(id);
          if (outcome.warning) this.options.onWarning?.(outcome.warning);
          return this.ticket(id, job);
        }
        const staggerMs = this.options.config.limits.staggerMs;
        if (outcome.retryInMs !== undefined && outcome.retryInMs <= staggerMs) {
          await this.pause(outcome.retryInMs);
          continue;
        }
        this.waitingIds.delete(id);
        await this.removeEntry(id);
        return { waiting: outcome.reason ?? 'waiting: queued' };
      }
    } catch (err) {
      this.waitingIds.delete(id);
      await this.removeEntry(id).catch(() => undefined);
      if (this.closed) throw new AdmissionAbortedError(`stopped waiting for ${job.label}`);
      throw err;
    }
  }

  private async enqueue(job: JobRequest): Promise<string> {
    if (this.closed) throw new AdmissionAbortedError('the admission queue is closed');
    const { config } = this.options;
    const expected = await this.peaks.expectedMB(job.key, job.kind, config.limits.defaultPeakMB);
    const id = randomUUID();
    this.waitingIds.add(id);
    await this.queue.update((data) => {
      const entry: QueueEntry = {
        id,
        pid: process.pid,
        seq: data.nextSeq++,
        kind: job.kind,
        key: job.key,
        label: job.label,
        state: 'waiting',
        enqueuedAt: new Date(this.now()).toISOString(),
        seenAt: this.now(),
        expectedPeakMB: expected.mb,
        rssMB: 0,
      };
      if (job.taskId) entry.taskId = job.taskId;
      data.entries.push(entry);
      return { changed: true, result: undefined };
    });
    return id;
  }

  private async tryStart(id: string): Promise<StartOutcome> {
    const memory = await this.memory();
    const limits = this.limitsFor(memory.totalMB);
    const idle = (await this.options.idleAgentTasks?.().catch(() => undefined)) ?? new Set<string>();
    return this.queue.update<StartOutcome>((data) => {
      const me = data.entries.find((e) => e.id === id);
      if (!me) throw new AdmissionAbortedError(`queue entry ${id} vanished from ${this.queue.file}`);
      const now = this.now();
      const decision = decideAdmission({
        limits,
        memory,
        running: data.entries.filter((e) => e.state === 'running' && !e.host && !holdsNoSlot(e, idle)).map(toRunning),
        ahead: data.entries
          .filter((e) => e.state === 'waiting' && !e.host && e.seq < me.seq && now - (e.seenAt ?? now) < STALE_WAITER_MS)
          .sort((a, b) => a.seq - b.seq)
          .map((e) => ({ kind: e.kind, expectedPeakMB: e.expectedPeakMB, label: e.label })),
        job: { kind: me.kind, expectedPeakMB: me.expectedPeakMB, label: me.label },
        now,
        lastStartAt: data.lastStartAt,
      });
      if (decision.admit) {
        me.state = 'running';
        me.startedAt = new Date(now).toISOString();
        delete me.reason;
        if (decision.warning) me.warning = decision.warning;
        data.lastStartAt = now;
        return { changed: true, result: decision.warning ? { started: true, warning: decision.warning } : { started: true } };
      }
      const changed = me.reason !== decision.reason || now - (me.seenAt ?? 0) > HEARTBEAT_MS;
      me.reason = decision.reason;
      if (changed) me.seenAt = now;
      const result: StartOutcome = { started: false, reason: decision.reason };
      if (decision.retryInMs !== undefined) result.retryInMs = decision.retryInMs;
      return { changed, result };
    });
  }

  private limitsFor(totalMB: number): AdmissionLimits {
    return this.options.limits ? this.options.limits(totalMB) : admissionLimits(this.options.config, totalMB, this.options.configFile);
  }

  private ticket(id: string, job: JobRequest): Ticket {
    const held: HeldTicket = { id, job, pids: new Set(), peakMB: 0, rssMB: 0, writtenRssMB: 0 };
    this.held.set(id, held);
    let released: Promise<void> | null = null;
    return {
      id,
      trackPid: (pid: number) => {
        if (!this.held.has(id)) return;
        held.pids.add(pid);
        this.startSampler();
      },
      release: () => {
        released ??= this.release(held);
        return released;
      },
      handOver: async (pid: number) => {
        if (!this.held.has(id)) return;
        this.held.delete(id);
        if (this.held.size === 0) this.stopSampler();
        released = Promise.resolve();
        await this.queue.update((data) => {
          const entry = data.entries.find((e) => e.id === id);
          if (entry) entry.pid = pid;
          return { changed: Boolean(entry), result: undefined };
        });
        // Not recorded as a learned peak: this process saw only the job's first moments.
      },
    };
  }

  private async release(held: HeldTicket): Promise<void> {
    if (held.pids.size > 0) await this.sampleOnce().catch(() => undefined);
    this.held.delete(held.id);
    if (this.held.size === 0) this.stopSampler();
    try {
      await this.removeEntry(held.id);
      if (held.peakMB > 0) await this.peaks.record(held.job.key, held.job.kind, held.peakMB);
    } finally {
      this.wake();
    }
  }

  private async removeEntry(id: string): Promise<void> {
    await this.queue.update((data) => {
      const before = data.entries.length;
      data.entries = data.entries.filter((e) => e.id !== id);
      return { changed: data.entries.length !== before, result: undefined };
    });
  }

  private startSampler(): void {
    if (this.sampler) return;
    this.sampler = setInterval(() => void this.sampleOnce().catch(() => undefined), this.options.sampleMs ?? 500);
    this.sampler.unref();
    void this.sampleOnce().catch(() => undefined);
  }

  private stopSampler(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.sampler = null;
  }

  /** Measures every tracked process tree once; publishes RSS to the queue file when it moved. */
  private async sampleOnce(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const tracked = [...this.held.values()].filter((h) => h.pids.size > 0);
      if (tracked.length === 0) return;
      const list = await this.processes();
      const moved: HeldTicket[] = [];
      for (const h of tracked) {
        const alive = [...h.pids].filter((p) => list.some((e) => e.pid === p));
        if (alive.length === 0) continue;
        h.rssMB = treeRssMB(list, alive);
        h.peakMB = Math.max(h.peakMB, h.rssMB);
        if (Math.abs(h.rssMB - h.writtenRssMB) >= 32) moved.push(h);
      }
      if (moved.length === 0) return;
      await this.queue.update((data) => {
        for (const h of moved) {
          const e = data.entries.find((x) => x.id === h.id);
          if (e) e.rssMB = Math.round(h.rssMB);
          h.writtenRssMB = h.rssMB;
        }
        return { changed: true, result: undefined };
      });
    } finally {
      this.sampling = false;
    }
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const w of wakers) w();
  }

  private pause(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(10, ms));
      signal?.addEventListener('abort', done, { once: true });
      this.wakers.add(done);
    });
  }

  async snapshot(): Promise<ResourcesSnapshot> {
    const memory: MemoryReading = await this.memory();
    const limits = this.limitsFor(memory.totalMB);
    // Read-only: status must not need write access; dead entries are only hidden here.
    const data = await this.queue.read();
    this.queue.prune(data);
    // Jobs being started on other hosts hold none of this machine's slots or memory.
    const entries = data.entries.filter((e) => !e.host).sort((a, b) => a.seq - b.seq);
    const running = entries.filter((e) => e.state === 'running');
    const idle = (await this.options.idleAgentTasks?.().catch(() => undefined)) ?? new Set<string>();
    const recommendation = recommendAgents({
      memory,
      limits,
      running: running.filter((e) => !holdsNoSlot(e, idle)).map(toRunning),
      learnedAgentPeaksMB: await this.peaks.peaksOfKind('agent'),
      defaultAgentPeakMB: this.options.config.limits.defaultPeakMB.agent,
      overheadPerAgentMB: this.options.agentOverheadMB?.() ?? 0,
    });
    // The hosts are a part of the picture: a failed probe of them never hides this machine's.
    const hosts = await this.options.hostsView?.().catch(() => undefined);
    return {
      ...(hosts ? { hosts } : {}),
      totalMB: Math.round(memory.totalMB),
      availableMB: Math.round(memory.availableMB),
      reserveMB: limits.reserveMB,
      swapping: memory.swapping,
      running: running.map((e) => (holdsNoSlot(e, idle) ? { ...view(e), reason: IDLE_NO_SLOT } : view(e))),
      waiting: entries.filter((e) => e.state === 'waiting').map(view),
      recommendation,
    };
  }

  /**
   * An agent slot on another host: `decide` runs under the queue's lock with the expected peaks of
   * the agents being started there now (entries of live flotilla processes), so two starts never
   * both take a host's last slot. Admitted, the entry stays (owned by this process) until release.
   */
  async reserveOnHost(job: JobRequest, host: string, decide: (startingPeaksMB: number[]) => Promise<string | null>): Promise<HostReservation | { waiting: string }> {
    if (this.closed) throw new AdmissionAbortedError(`stopped waiting for ${job.label}`);
    const expected = await this.peaks.expectedMB(job.key, job.kind, this.options.config.limits.defaultPeakMB);
    const id = randomUUID();
    const outcome = await this.queue.update<string | null>(async (data) => {
      const starting = data.entries.filter((e) => e.host === host && e.state === 'running').map((e) => e.expectedPeakMB);
      const reason = await decide(starting);
      if (reason !== null) return { changed: false, result: reason };
      const now = new Date(this.now()).toISOString();
      const entry: QueueEntry = { id, pid: process.pid, seq: data.nextSeq++, kind: job.kind, key: job.key, label: job.label, host, state: 'running', enqueuedAt: now, startedAt: now, expectedPeakMB: expected.mb, rssMB: 0 };
      if (job.taskId) entry.taskId = job.taskId;
      data.entries.push(entry);
      return { changed: true, result: null };
    });
    if (outcome !== null) return { waiting: outcome };
    this.waitingIds.add(id); // withdrawn by close() if this process ends before releasing it
    let released: Promise<void> | null = null;
    return {
      release: () => {
        released ??= this.removeEntry(id).finally(() => this.waitingIds.delete(id));
        return released;
      },
    };
  }

  /** Releases every ticket this process holds and withdraws its waiting jobs (fleet.onClose). */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    this.stopSampler();
    const ids = [...this.held.keys(), ...this.waitingIds];
    this.held.clear();
    if (ids.length > 0) {
      await this.queue.update((data) => {
        data.entries = data.entries.filter((e) => !ids.includes(e.id));
        return { changed: true, result: undefined };
      });
    }
  }
}
