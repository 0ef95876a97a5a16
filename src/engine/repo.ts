import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError } from './errors.js';
import type { GitClient } from './git/git-client.js';
import { gitArgs } from './git/commands.js';
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

/** Finds the main checkout that `cwd` belongs to; a UsageError when it is not in a git repository. */
export async function findRepo(git: GitClient, cwd: string): Promise<RepoPaths> {
  const common = await git.raw(cwd, gitArgs.commonDir());
  if (common.exitCode !== 0) {
    if (common.notFound) throw new UsageError('git is not installed (needed by flotilla)');
    throw new UsageError(`not inside a git repository: ${cwd}`);
  }
  const commonDir = common.stdout.trim();
  let root: string;
  if (basename(commonDir) === '.git') root = dirname(commonDir);
  else {
    const top = await git.raw(cwd, gitArgs.topLevel());
    if (top.exitCode !== 0) throw new UsageError(`not inside a git work tree: ${cwd}`);
    root = top.stdout.trim();
  }
  return repoPaths(root);
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
