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

  private async load(): Promise<ParsedRegistry & { text: string | null }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { data: emptyRegistry(), upgradedFrom: null, text: null };
      throw new RegistryError(this.file, `cannot read: ${(err as Error).message}`);
    }
    if (this.parsed?.text !== text) this.parsed = { text, result: parseRegistryFile(this.file, text, this.places) };
    const { data, upgradedFrom } = this.parsed.result;
    // A copy: callers change what they read (update does, under the lock).
    return { data: structuredClone(data), upgradedFrom, text };
  }

  async read(): Promise<RegistryData> {
    const loaded = await this.load();
    if (loaded.upgradedFrom === null) return loaded.data;
    // An older file: write it back upgraded (under the lock, re-read there), then use that.
    return this.update((data) => data);
  }

  /** The task with this id; throws TaskNotFoundError when there is none. */
  async require(id: string): Promise<Task> {
    return requireTask(await this.read(), id);
  }

  /**
   * Applies `change` to a fresh copy of the registry under the lock and writes the result.
   * If `change` throws, or leaves values the registry refuses on read, nothing is written.
   */
  async update<T>(change: (data: RegistryData) => T | Promise<T>): Promise<T> {
    await ensurePrivateDir(dirname(this.file));
    return withFileLock(this.lockFile, async () => {
      const loaded = await this.load();
      const result = await change(loaded.data);
      const problem = registryProblem(loaded.data, this.places);
      if (problem) throw new RegistryError(this.file, `change refused, it would leave ${problem}; nothing was written`);
      if (loaded.upgradedFrom !== null && loaded.text !== null) {
        await writeFileAtomic(`${this.file}.v${loaded.upgradedFrom}.bak`, loaded.text);
      }
      await writeFileAtomic(this.file, `${JSON.stringify(loaded.data, null, 2)}\n`);
      return result;
    });
  }

  /** Changes one task under the lock; throws TaskNotFoundError if the task does not exist. */
  async updateTask<T>(id: string, change: (task: Task, data: RegistryData) => T | Promise<T>): Promise<T> {
    return this.update(async (data) => change(requireTask(data, id), data));
  }
}

export function findTask(data: RegistryData, id: string): Task | undefined {
  return data.tasks.find((t) => t.id === id);
}
