import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { assertTaskId } from './ids.js';

/** Where a repository's flotilla state lives. */
export interface RepoPaths {
  /** The main checkout (also when flotilla runs inside one of its worktrees). */
  root: string;
  stateDir: string;
  configFile: string;
  registryFile: string;
  memoryFile: string;
  learningsFile: string;
  logsDir: string;
  runsDir: string;
  hooksDir: string;
  promptsDir: string;
}

export function repoPaths(root: string): RepoPaths {
  const stateDir = join(root, '.flotilla');
  return {
    root,
    stateDir,
    configFile: join(stateDir, 'config.json'),
    registryFile: join(stateDir, 'tasks.json'),
    memoryFile: join(stateDir, 'MEMORY.md'),
    learningsFile: join(stateDir, 'learnings.jsonl'),
    logsDir: join(stateDir, 'logs'),
    runsDir: join(stateDir, 'runs'),
    hooksDir: join(stateDir, 'hooks'),
    promptsDir: join(stateDir, 'prompts'),
  };
}

/** The folder attempt worktrees go under: the configured root, or a per-repository folder in the user's data dir. */
export function worktreeRootFor(root: string, configured: string): string {
  if (configured) return isAbsolute(configured) ? configured : resolve(root, configured);
  const data = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  const hash = createHash('sha1').update(root).digest('hex').slice(0, 8);
  return join(data, 'flotilla', 'worktrees', `${basename(root)}-${hash}`);
}

/** Path of a per-task file or folder under `dir`; the id is validated so the path never leaves `dir`. */
export function taskPath(dir: string, taskId: string, ...rest: string[]): string {
  assertTaskId(taskId);
  return join(dir, taskId, ...rest);
}
