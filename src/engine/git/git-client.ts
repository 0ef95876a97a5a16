import { CommandError, type GitPort, type Runner } from '../core/index.js';
import { gitArgs } from './commands.js';
import { parseWorktreeList, type WorktreeEntry } from './parse-worktree-list.js';

const GIT_ENV = { GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' };

/** A thin typed client over git, run through the Runner with argument arrays. */
export class GitClient implements GitPort {
  constructor(readonly runner: Runner) {}

  /** Runs git and returns the raw result (never throws on a non-zero exit). */
  raw(cwd: string, args: readonly string[], options: { timeoutMs?: number } = {}) {
    return this.runner.run('git', args, { cwd, env: GIT_ENV, timeoutMs: options.timeoutMs ?? 60_000 });
  }

  /** Runs git; throws a CommandError unless it exits 0. Returns stdout. */
  async run(cwd: string, args: readonly string[], options: { timeoutMs?: number } = {}): Promise<string> {
    const r = await this.raw(cwd, args, options);
    if (r.exitCode !== 0) throw new CommandError('git', args, r.exitCode, r.error ?? r.stderr);
    return r.stdout;
  }

  async ok(cwd: string, args: readonly string[]): Promise<boolean> {
    return (await this.raw(cwd, args)).exitCode === 0;
  }

  async currentBranch(cwd: string): Promise<string | null> {
    const r = await this.raw(cwd, gitArgs.currentBranch());
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  async resolveCommit(cwd: string, ref: string): Promise<string | null> {
    const r = await this.raw(cwd, gitArgs.verifyCommit(ref));
    return r.exitCode === 0 ? r.stdout.trim() : null;
  }

  branchExists(cwd: string, branch: string): Promise<boolean> {
    return this.ok(cwd, gitArgs.branchExists(branch));
  }

  async worktrees(cwd: string): Promise<WorktreeEntry[]> {
    return parseWorktreeList(await this.run(cwd, gitArgs.worktreeList()));
  }
}
