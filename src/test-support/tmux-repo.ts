import { execFileSync } from 'node:child_process';
import { findExecutable } from '../engine/index.js';
import { makeTempRepo, runCli, type CliResult, type TempRepo } from './temp-repo.js';

/** True when tmux is installed (tests of the tmux runtime skip otherwise). */
export const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));

/** Polls `probe` until it returns something truthy; fails naming `what` after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, everyMs = 250): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => null);
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface TmuxRepo {
  repo: TempRepo;
  /** Environment that puts flotilla's tmux sessions on this test's private socket. */
  env: Record<string, string>;
  /** Runs the real bin/flotilla in the repository with that environment. */
  cli(args: string[], extraEnv?: Record<string, string>): Promise<CliResult>;
  /** Kills the private tmux server and removes the repository. */
  cleanup(): void;
}

/** A temp repository configured for the tmux runtime on a private tmux socket. */
export function makeTmuxRepo(name: string, config: Record<string, unknown>): TmuxRepo {
  const socket = `flt-${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const repo = makeTempRepo({ runtime: 'tmux', ...config });
  const env = { FLOTILLA_TMUX_SOCKET: socket };
  return {
    repo,
    env,
    cli: (args, extraEnv = {}) => runCli(repo.root, args, { ...env, ...extraEnv }),
    cleanup() {
      try {
        execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
      } catch {
        // no server left
      }
      repo.cleanup();
    },
  };
}
