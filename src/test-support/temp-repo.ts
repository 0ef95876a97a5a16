import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmuxSocketName } from '../engine/index.js';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = join(PROJECT_ROOT, 'bin', 'flotilla');

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'flotilla test',
  GIT_AUTHOR_EMAIL: 'test@flotilla.invalid',
  GIT_COMMITTER_NAME: 'flotilla test',
  GIT_COMMITTER_EMAIL: 'test@flotilla.invalid',
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: { ...process.env, ...GIT_ENV }, encoding: 'utf8' });
}

export interface TempRepo {
  /** The repository (main checkout). */
  root: string;
  /** A scratch folder beside it (worktrees go under <dir>/worktrees). */
  dir: string;
  worktreeRoot: string;
  write(path: string, content: string): void;
  commit(message: string): void;
  cleanup(): void;
}

/**
 * A real git repository in a temp folder, on branch main with one commit, and a .flotilla/config.json
 * that puts worktrees inside the temp folder. `config` is merged over that.
 */
export function makeTempRepo(config: Record<string, unknown> = {}, options: { init?: boolean } = {}): TempRepo {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-test-')));
  const root = join(dir, 'repo');
  const worktreeRoot = join(dir, 'worktrees');
  mkdirSync(root);
  git(root, 'init', '-q', '-b', 'main');
  writeFileSync(join(root, 'README.md'), '# test repo\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', 'initial commit');
  if (options.init !== false) {
    mkdirSync(join(root, '.flotilla'), { recursive: true, mode: 0o700 });
    writeFileSync(join(root, '.flotilla', 'config.json'), JSON.stringify({ worktreeRoot, ...config }, null, 2));
    writeFileSync(join(root, '.git', 'info', 'exclude'), '.flotilla/\n');
  }
  return {
    root,
    dir,
    worktreeRoot,
    write(path, content) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), content);
    },
    commit(message) {
      git(root, 'add', '-A');
      git(root, 'commit', '-q', '-m', message);
    },
    cleanup() {
      // Agents a test started with the tmux runtime live in flotilla's private tmux server for this
      // repository (with a log writer each): end it, so no test leaves processes behind.
      try {
        execFileSync('tmux', ['-L', tmuxSocketName(root), 'kill-server'], { stdio: 'ignore' });
      } catch {
        // no server for this repository (or no tmux)
      }
      // A pane's log writer started just before may still be handing its pipe over (it retries for
      // up to 3 s, making the hub's socket and lock file again) or writing what the agent printed
      // as the server ended: removal is retried for as long (linear backoff, about 10 s at most).
      rmSync(dir, { recursive: true, force: true, maxRetries: 20, retryDelay: 50 });
    },
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real bin/flotilla as a child process. */
export function runCli(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, ...GIT_ENV, FORCE_COLOR: '0', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
