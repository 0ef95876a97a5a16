import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { JOB_KINDS } from '../core/index.js';
import { withFileLock } from '../fs/index.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';
import { processAlive } from '../exec/index.js';

/**
 * The queue shared by every flotilla process of a repository (TUI, `flotilla check` from cron, CLI):
 * `.flotilla/queue.json` (0600), only changed under `queue.json.lock`. Each entry carries the pid of
 * the process that owns it; entries of dead processes are pruned by whoever reads the file next.
 * `seq` orders the queue (FIFO); `lastStartAt` staggers starts across processes.
 */

const entrySchema = z.looseObject({
  id: z.string(),
  pid: z.number().int(),
  seq: z.number().int(),
  kind: z.enum(JOB_KINDS),
  key: z.string(),
  label: z.string(),
  taskId: z.string().optional(),
  /** A job being started on another host (config `hosts`): it holds no slot of this machine. */
  host: z.string().optional(),
  state: z.enum(['waiting', 'running']),
  enqueuedAt: z.string(),
  startedAt: z.string().optional(),
  expectedPeakMB: z.number(),
  rssMB: z.number().default(0),
  reason: z.string().optional(),
  warning: z.string().optional(),
  /** Last time (ms) the owner of a waiting entry asked; a stale one (stopped process) is not waited for. */
  seenAt: z.number().optional(),
});
const queueSchema = z.looseObject({
  version: z.literal(1),
  nextSeq: z.number().int().default(1),
  lastStartAt: z.number().nullable().default(null),
  entries: z.array(entrySchema).default([]),
});
export type QueueEntry = z.infer<typeof entrySchema>;
export type QueueData = z.infer<typeof queueSchema>;

export function emptyQueue(): QueueData {
  return { version: 1, nextSeq: 1, lastStartAt: null, entries: [] };
}


export class QueueFile {
  constructor(
    readonly file: string,
    private readonly isAlive: (pid: number) => boolean = processAlive,
  ) {}

  /** Reads the queue; a missing or unreadable file is an empty queue (it only holds live state). */
  async read(): Promise<QueueData> {
    try {
      const parsed = queueSchema.safeParse(JSON.parse(await readFile(this.file, 'utf8')));
      return parsed.success ? parsed.data : emptyQueue();
    } catch {
      return emptyQueue();
    }
  }

  /** Drops entries whose process is gone; true when any was dropped. */
  prune(data: QueueData): boolean {
    const before = data.entries.length;
    data.entries = data.entries.filter((e) => this.isAlive(e.pid));
    return data.entries.length !== before;
  }

  /**
   * Changes the queue under its lock. `change` returns whether it changed anything; the file is
   * written only then (or when dead entries were pruned).
   */
  async update<T>(change: (data: QueueData) => { changed: boolean; result: T } | Promise<{ changed: boolean; result: T }>): Promise<T> {
    await ensurePrivateDir(dirname(this.file));
    return withFileLock(`${this.file}.lock`, async () => {
      const data = await this.read();
      const pruned = this.prune(data);
      const { changed, result } = await change(data);
      if (changed || pruned) await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
      return result;
    });
  }
}
