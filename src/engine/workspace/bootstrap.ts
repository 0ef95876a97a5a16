import { copyFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandError } from '../core/index.js';
import type { Runner } from '../exec/index.js';

/** Turns a simple glob (only * and ?) into a RegExp matching a whole file name. */
export function simpleGlob(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/** Copies files at the top of `from` whose names match `patterns` (e.g. `.env*`) into `to`. */
export async function copyMatchingFiles(from: string, to: string, patterns: readonly string[]): Promise<string[]> {
  if (patterns.length === 0) return [];
  const regexes = patterns.map(simpleGlob);
  const copied: string[] = [];
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    if (!regexes.some((r) => r.test(entry.name))) continue;
    await copyFile(join(from, entry.name), join(to, entry.name));
    copied.push(entry.name);
  }
  return copied.sort();
}

/** Runs setup commands (argv arrays) in a new worktree, in order; the first failure throws. */
export async function runSetupCommands(
  runner: Runner,
  worktree: string,
  commands: readonly (readonly string[])[],
  timeoutMs = 15 * 60_000,
  /** The attempt's own variables (ports, slot, compose name). */
  vars?: Record<string, string>,
  /** The attempt the commands prepare: they carry FLOTILLA_TASK/FLOTILLA_ATTEMPT, so `stop`/`rm` find what they leave running. */
  owner?: { taskId: string; attempt: number },
): Promise<void> {
  const env = vars || owner ? { ...vars, ...(owner ? { FLOTILLA_TASK: owner.taskId, FLOTILLA_ATTEMPT: String(owner.attempt) } : {}) } : undefined;
  for (const [file, ...args] of commands) {
    if (!file) continue;
    const r = await runner.run(file, args, { cwd: worktree, timeoutMs, ...(env ? { env } : {}) });
    if (r.exitCode !== 0) {
      throw new CommandError(file, args, r.exitCode, r.error ?? (r.stderr || r.stdout));
    }
  }
}
