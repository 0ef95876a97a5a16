import type { HostConfig } from './config-schema.js';
import type { RunOptions, RunResult, Runner } from './runner.js';

/** Where flotilla keeps one repository's things on a host (all absolute paths on that host). */
export interface HostLayout {
  /** Attempt worktrees: `<worktreeRoot>/<task>-a<N>`. */
  worktreeRoot: string;
  /** flotilla's folder for this repository on the host (0700): mirror, tmux socket and config, logs. */
  stateDir: string;
  /** The bare mirror of the repository the worktrees belong to. */
  mirror: string;
  /** The private tmux server's socket (`tmux -S`). */
  tmuxSocket: string;
  tmuxConf: string;
  /** Agent output logs (`<task>-a<N>.log`). */
  logDir: string;
}

/** One configured remote host, reached over its one multiplexed SSH connection (hosts/). */
export interface RemoteHostPort {
  readonly name: string;
  readonly config: HostConfig;
  /** Runs a program on the host (argv only; cwd and env applied there). */
  readonly runner: Runner;
  /**
   * Runs a program on the host and returns its stdout as bytes (binary-safe), in the host's
   * long-lived channel (hosts/channel.ts): no process per call, for what runs often. Calls wait
   * their turn; `exitCode` null when there is no answer within `timeoutMs` (counted from the call,
   * the wait included); exit 255 when the connection failed under the command, then `sshStderr`
   * holds ssh's own words (empty when it said none); `error` when ssh could not be started here.
   */
  readBytes(argv: readonly string[], options?: { timeoutMs?: number }): Promise<{ exitCode: number | null; stdout: Buffer; stderr: string; sshStderr?: string; error?: string }>;
  /**
   * Runs a program on the host with its output passed on as it comes (nothing collected): a check.
   * `onPid` gets the local ssh client's pid. `timeoutMs` and `signal` end that client only, which
   * does not end the remote program (the master connection keeps the channel and our output pipes
   * open until it exits): the caller ends it there (forge/run-check-host.ts).
   */
  stream(
    argv: readonly string[],
    options: Omit<RunOptions, 'input'> & { onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void; onPid?: (pid: number) => void },
  ): Promise<RunResult>;
  /** The folders on the host, made (0700) on first use. */
  layout(): Promise<HostLayout>;
  /** ssh argv for an interactive terminal on the host running `argv` (attach, the live pane). */
  ttyArgv(argv: readonly string[]): string[];
  /** The mirror's URL for local git, and the environment that makes git use the master connection. */
  gitRemote(): Promise<{ url: string; env: Record<string, string> }>;
  /**
   * Runs `fn` (a `git push` to the mirror, or the exec that adds a worktree from it) while no other
   * of this repository's flotilla processes does either on this host: two starts pushing the base
   * branch at once made one fail on git's ref lock there, and a push meeting a worktree being added
   * failed on its half-made HEAD.
   */
  withMirrorLock<T>(fn: () => Promise<T>): Promise<T>;
}

/** The configured hosts (config `hosts`); `get` throws a UsageError naming the known ones. */
export interface HostsPort {
  names(): string[];
  get(name: string): RemoteHostPort;
  close(): Promise<void>;
}

/** Why a host did not answer its probe. */
export type HostFault = 'unreachable' | 'auth' | 'hostkey' | 'timeout' | 'garbage' | 'error';

/** How one host answered a monitoring pass's probe (the health of hosts is decided from these). */
export type PassHost = { name: string; ok: true; ms: number } | { name: string; ok: false; fault: HostFault; message: string; ms: number };
