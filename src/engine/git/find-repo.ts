import { basename, dirname } from 'node:path';
import { UsageError, repoPaths, type RepoPaths } from '../core/index.js';
import { gitArgs } from './commands.js';
import type { GitClient } from './git-client.js';

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
