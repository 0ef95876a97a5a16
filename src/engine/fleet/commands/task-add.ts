import { constants } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { resolveProfile } from '../../agents/index.js';
import { RegistryError, UsageError } from '../../core/index.js';
import { assertTaskId, slugify, uniqueId } from '../../core/index.js';
import { blockedReason, findDependencyCycle, pendingDependencies } from '../../tasks/index.js';
import type { Task } from '../../core/index.js';
import { newTask } from '../../tasks/index.js';
import type { FleetContext } from '../../core/index.js';
import type { AddTaskInput } from '../types.js';
import { CONTEXT_FILE_CAP } from '../../prompt/index.js';

const PROMPT_FILE_CAP = 1024 * 1024;

async function readPrompt(input: AddTaskInput, cwd: string): Promise<string> {
  if (input.prompt !== undefined && input.promptFile !== undefined) {
    throw new UsageError('give either --prompt or --prompt-file, not both');
  }
  if (input.promptFile !== undefined) {
    const file = resolve(cwd, input.promptFile);
    let text: string;
    // Opened without blocking and checked on the open handle: a FIFO, socket or device is refused
    // at once (was: reading a FIFO hung until something wrote to it), and what is read is what was checked.
    let handle: FileHandle | undefined;
    try {
      handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
      const info = await handle.stat();
      if (!info.isFile()) throw new UsageError(`prompt file ${file} is not a regular file`);
      if (info.size > PROMPT_FILE_CAP) throw new UsageError(`prompt file ${file} is larger than 1 MiB`);
      text = await handle.readFile('utf8');
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read prompt file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    } finally {
      await handle?.close();
    }
    if (Buffer.byteLength(text) > PROMPT_FILE_CAP) throw new UsageError(`prompt file ${file} is larger than 1 MiB`);
    if (!text.trim()) throw new UsageError(`prompt file ${file} is empty`);
    return text;
  }
  if (input.prompt === undefined || !input.prompt.trim()) {
    throw new UsageError('a task needs a prompt: --prompt TEXT or --prompt-file FILE');
  }
  return input.prompt;
}

// The cap `add` enforces is the one prompt composition reads up to: a file accepted here reaches
// the worker whole (a larger one was accepted and then silently cut at start).
export { CONTEXT_FILE_CAP };

/** Checks each context file exists and is small enough; returns paths relative to the repository when inside it. */
async function checkContextFiles(files: readonly string[], cwd: string, repoRoot: string): Promise<string[]> {
  const out: string[] = [];
  for (const given of files) {
    const file = resolve(cwd, given);
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new UsageError(`--context ${given}: not a file`);
      size = info.size;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--context ${given}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (size > CONTEXT_FILE_CAP) {
      throw new UsageError(`--context ${given}: ${size} bytes is over the ${CONTEXT_FILE_CAP / 1024} KiB cap for context files`);
    }
    const rel = relative(repoRoot, file);
    out.push(rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file);
  }
  return [...new Set(out)];
}

/** Validates everything that can be checked outside the lock, then adds the task under it. */
export async function addTask(ctx: FleetContext, input: AddTaskInput): Promise<Task> {
  const title = input.title.trim();
  if (!title) throw new UsageError('a task needs a non-empty title');
  if (input.id !== undefined) assertTaskId(input.id, '--id');
  const prompt = await readPrompt(input, ctx.cwd);
  const agent = input.agent ?? ctx.config.defaultAgent;
  resolveProfile(ctx.config, agent);
  const base = input.base ?? (ctx.config.baseBranch || (await ctx.git.currentBranch(ctx.paths.root)));
  if (!base) throw new UsageError('no base branch: HEAD is detached; pass --base BRANCH');
  if (!(await ctx.git.resolveCommit(ctx.paths.root, base))) {
    throw new UsageError(`base branch "${base}" does not exist in ${ctx.paths.root}`);
  }
  const tags = [...new Set((input.tags ?? []).map((t) => t.trim()).filter(Boolean))];
  for (const dep of input.after ?? []) assertTaskId(dep, '--after');
  const context = await checkContextFiles(input.context ?? [], ctx.cwd, ctx.paths.root);

  return ctx.registry.update((data) => {
    const taken = new Set(data.tasks.map((t) => t.id));
    let id: string;
    if (input.id !== undefined) {
      if (taken.has(input.id)) throw new RegistryError(ctx.registry.file, `a task with id "${input.id}" already exists`);
      id = input.id;
    } else {
      id = uniqueId(slugify(title), taken);
    }
    const after = [...new Set(input.after ?? [])];
    const cycle = findDependencyCycle(data.tasks, id, after);
    if (cycle) throw new UsageError(`--after would make a dependency cycle: ${cycle.join(' -> ')}`);
    for (const dep of after) {
      if (!taken.has(dep)) throw new UsageError(`--after ${dep}: no such task`);
    }
    const now = new Date().toISOString();
    const pending = pendingDependencies({ after }, data.tasks);
    const task = newTask(
      {
        id, title, prompt, agent, base, tags, after, context,
        state: pending.length ? 'blocked' : 'new',
        reason: pending.length ? blockedReason(pending) : null,
      },
      now,
    );
    data.tasks.push(task);
    return task;
  });
}
