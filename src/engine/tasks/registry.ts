import { readFile } from 'node:fs/promises';
import { RegistryError, type RegistryPort } from '../core/index.js';
import { withFileLock } from '../fs/index.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';
import { dirname } from 'node:path';
import { REGISTRY_VERSION, emptyRegistry, registrySchema, type RegistryData, type Task } from '../core/index.js';

/** Parses registry text; throws a RegistryError naming the file and the first problem. */
export function parseRegistry(file: string, text: string): RegistryData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RegistryError(file, `not valid JSON (${(err as Error).message}); the file was left untouched`);
  }
  if (typeof raw === 'object' && raw !== null && 'version' in raw) {
    const version = (raw as { version: unknown }).version;
    if (typeof version === 'number' && version > REGISTRY_VERSION) {
      throw new RegistryError(file, `written by a newer flotilla (schema version ${version}); upgrade flotilla`);
    }
  }
  const result = registrySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const where = issue.path.length ? issue.path.join('.') : '(top level)';
    throw new RegistryError(file, `not a flotilla task registry: ${where}: ${issue.message}; the file was left untouched`);
  }
  return result.data;
}

/**
 * The task registry: the single source of truth for tasks. Every change goes through `update`,
 * which holds a lock file, re-reads the file, applies the change and writes atomically, so
 * concurrent flotilla processes never lose a task.
 */
export class TaskRegistry implements RegistryPort {
  readonly lockFile: string;

  constructor(readonly file: string) {
    this.lockFile = `${file}.lock`;
  }

  async read(): Promise<RegistryData> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyRegistry();
      throw new RegistryError(this.file, `cannot read: ${(err as Error).message}`);
    }
    return parseRegistry(this.file, text);
  }

  /**
   * Applies `change` to a fresh copy of the registry under the lock and writes the result.
   * If `change` throws, nothing is written.
   */
  async update<T>(change: (data: RegistryData) => T | Promise<T>): Promise<T> {
    await ensurePrivateDir(dirname(this.file));
    return withFileLock(this.lockFile, async () => {
      const data = await this.read();
      const result = await change(data);
      await writeFileAtomic(this.file, `${JSON.stringify(data, null, 2)}\n`);
      return result;
    });
  }

  /** Changes one task under the lock; throws if the task does not exist. */
  async updateTask<T>(id: string, change: (task: Task, data: RegistryData) => T | Promise<T>): Promise<T> {
    return this.update(async (data) => {
      const task = data.tasks.find((t) => t.id === id);
      if (!task) throw new RegistryError(this.file, `no task "${id}"`);
      return change(task, data);
    });
  }
}

export function findTask(data: RegistryData, id: string): Task | undefined {
  return data.tasks.find((t) => t.id === id);
}
