import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RegistryError, emptyRegistry, registrySchema, requireTask, type RegistryData, type RegistryPort, type Task } from '../core/index.js';
import { ensurePrivateDir, withFileLock, writeFileAtomic } from '../fs/index.js';
import { upgradeRegistry } from './migrate.js';
import { registryProblem, type RegistryPlaces } from './validate.js';

/** A parsed registry, and the version it was upgraded from (null when it was current). */
export interface ParsedRegistry {
  data: RegistryData;
  upgradedFrom: number | null;
}

/**
 * Parses registry text: JSON, version (an older one upgraded, a newer one refused), schema, then
 * the values (registryProblem). Throws a RegistryError naming the file and the first problem.
 */
export function parseRegistryFile(file: string, text: string, places?: RegistryPlaces): ParsedRegistry {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(file, `not valid JSON (${(err as Error).message}); the file was left untouched`);
  }
  const version = upgradeRegistry(raw);
  if (!version.ok) throw new RegistryError(file, version.problem);
  const result = registrySchema.safeParse(version.raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new RegistryError(file, `not a flotilla task registry: ${where}: ${issue.message}; the file was left untouched`);
  }
  const problem = registryProblem(result.data, places);
  if (problem) throw new RegistryError(file, `refused: ${problem}; the file was left untouched`);
  return { data: result.data, upgradedFrom: version.from };
}

/** Parses registry text (see parseRegistryFile). */
export function parseRegistry(file: string, text: string, places?: RegistryPlaces): RegistryData {
  return parseRegistryFile(file, text, places).data;
}

/**
 * The task registry: the single source of truth for tasks. Every change goes through `update`,
 * which holds a lock file, re-reads the file, applies the change and writes atomically, so
 * concurrent flotilla processes never lose a task. A file of an older version is upgraded and
 * written back on first read (the old file kept beside it as `tasks.json.v<N>.bak`).
 */
export class TaskRegistry implements RegistryPort {
  readonly lockFile: string;

  /** `places`: where attempt worktrees may be (checked on every read and write). */
  constructor(
    readonly file: string,
    readonly places?: RegistryPlaces,
  ) {
    this.lockFile = `${file}.lock`;
  }

  /**
   * The last text parsed and its result: a file read again unchanged (the view's refresh, each
   * monitor pass, each session followed) is copied, not parsed and validated again, which at 100
   * tasks is several times the cost of the copy.
   */
  private parsed: { text: string; result: ParsedRegistry } | null = null;

  /** The parsed registry as last read, shared: never handed to a caller without a copy. */
  private async loadShared(): Promise<ParsedRegistry & { text: string | null }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: emptyRegistry(), upgradedFrom: null, text: null };
      throw new RegistryError(this.file, `cannot read: ${(err as Error).message}`);
    }
    if (this.parsed?.text !== text) this.parsed = { text, result: parseRegistryFile(this.file, text, this.places) };
    return { ...this.parsed.result, text };
  }

  private async load(): Promise<ParsedRegistry & { text: string | null }> {
    const { data, upgradedFrom, text } = await this.loadShared();
    // A copy: callers change what they read (update does, under the lock).
    return { data: structuredClone(data), upgradedFrom, text };
  }

  async read(): Promise<RegistryData> {
    const loaded = await this.load();
    if (loaded.upgradedFrom === null) return loaded.data;
    // An older file: write it back upgraded (under the lock, re-read there), then use that.
    return this.update((data) => data);
  }

  /**
   * The task with this id; throws TaskNotFoundError when there is none. Only that task is copied:
   * a monitoring pass asks for each task it evaluates, and a copy of the whole registry (hundreds
   * of KB with many overlapping siblings) for each was most of a pass over 50 tasks.
   */
  async require(id: string): Promise<Task> {
    const shared = await this.loadShared();
    if (shared.upgradedFrom !== null) return requireTask(await this.read(), id);
    return structuredClone(requireTask(shared.data, id));
  }

  /** Registry files written by this instance (each a whole registry: a batch of changes counts once). */
  writes = 0;

  private queue: Array<{ change: (data: RegistryData) => unknown; resolve(value: unknown): void; reject(err: unknown): void }> = [];
  private flushing = false;

  /**
   * Applies `change` to a fresh copy of the registry under the lock and writes the result.
   * If `change` throws, or leaves values the registry refuses on read, nothing of it is written.
   *
   * Changes are committed in groups: those asked for while a write is under way (or in the same
   * turn of the event loop) are applied in order to one fresh read, under one lock, and written
   * once. Each keeps its own outcome: one that throws, or leaves a value the registry refuses, is
   * undone (the others are written) and rejects alone. 50 agents stopped at once are one or a few
   * writes, not 50 reads and writes of the whole file one after the other.
   */
  update<T>(change: (data: RegistryData) => T | Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ change, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushing) {
        this.flushing = true;
        // After this turn's other updates have joined the queue.
        queueMicrotask(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length) await this.commit(this.queue.splice(0));
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: typeof this.queue): Promise<void> {
    const done: Array<{ resolve(value: unknown): void; value: unknown }> = [];
    try {
      await ensurePrivateDir(dirname(this.file));
      await withFileLock(this.lockFile, async () => {
        const loaded = await this.load();
        let data = loaded.data;
        for (const item of batch) {
          // Undone when it fails; a change alone has nothing to keep besides itself.
          const before = batch.length > 1 ? structuredClone(data) : null;
          try {
            const value = await item.change(data);
            const problem = registryProblem(data, this.places);
            if (problem) throw new RegistryError(this.file, `change refused, it would leave ${problem}; nothing was written`);
            done.push({ resolve: item.resolve, value });
          } catch (err) {
            item.reject(err);
            if (before) data = before;
          }
        }
        if (done.length === 0) return;
        if (loaded.upgradedFrom !== null && loaded.text !== null) {
          await writeFileAtomic(`${this.file}.v${loaded.upgradedFrom}.bak`, loaded.text);
        }
        await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
        this.writes++;
      });
    } catch (err) {
      // Nothing was written (no lock, an unreadable file, a failed write): every change of the batch
      // fails with that error (those that failed on their own already have, and keep, theirs).
      for (const item of batch) item.reject(err);
      return;
    }
    for (const d of done) d.resolve(d.value);
  }

  /** Changes one task under the lock; throws TaskNotFoundError if the task does not exist. */
  async updateTask<T>(id: string, change: (task: Task, data: RegistryData) => T | Promise<T>): Promise<T> {
    return this.update(async (data) => change(requireTask(data, id), data));
  }
}

export function findTask(data: RegistryData, id: string): Task | undefined {
  return data.tasks.find((t) => t.id === id);
}
