import type { AttachOptions, AttachOutcome, ScreenSnapshot } from '../core/index.js';
import type { HostHookSetup } from './host-hooks.js';

/** What a runtime needs to start one agent. */
export interface SpawnSpec {
  taskId: string;
  attempt: number;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
  logFile: string;
  logMaxBytes: number;
  logKeep: number;
  /** Where a runtime may write the argv when it is too long to pass directly (0600, removed on use). */
  argvFile: string;
  /** The config host to run on (absent: this machine). */
  host?: string;
  /** On a host: its hook file, the attempt's events and gate spec, the trust entry (host-hooks.ts). */
  hostHooks?: HostHookSetup;
  /** This machine's events file of the task (hook events recorded on a host are copied into it). */
  eventsFile?: string;
}

/** One running (or just exited) agent as a runtime sees it. */
export interface RuntimeSession {
  readonly pid: number | null;
  /** tmux session name (tmux runtime). */
  readonly name?: string;
  /** Raw bytes into the agent's terminal. */
  write(data: string): Promise<void>;
  /** Types text, then Enter when asked. */
  sendText(text: string, enter: boolean): Promise<void>;
  capture(ansi: boolean): Promise<string>;
  isAlive(): Promise<boolean>;
  /** Output as it arrives (for status detection). */
  onOutput(listener: (data: string) => void): void;
  /**
   * How long its output had been quiet where it runs, as last told; undefined: it runs on this
   * machine, or its host cannot say (StatusTrackerOptions.quietThereMs).
   */
  quietThereMs?(): number | undefined;
  /** Called once with the exit code (null when killed by a signal or unknown). */
  onExit(listener: (code: number | null, message?: string) => void): void;
  subscribeScreen(size: { cols: number; rows: number }, onChange: () => void): () => void;
  screen(top?: number): ScreenSnapshot | null;
  history(): string[] | null;
  resize(cols: number, rows: number): void;
  attach(options: AttachOptions): Promise<AttachOutcome>;
  /** SIGTERM then SIGKILL to the process group; resolves when it is gone. */
  kill(): Promise<void>;
  /** Stops following the session (screens, pollers) without killing it. */
  release(): void;
}

export interface Runtime {
  readonly kind: 'tmux' | 'pty';
  spawn(spec: SpawnSpec): Promise<RuntimeSession>;
  /** Sessions still present from earlier processes (tmux only; [] for pty). */
  list(): Promise<Array<{ name: string; pid: number | null; dead: boolean; exitCode: number | null }>>;
  /**
   * The sessions that may hold one task's session: list() of only the machine its latest attempt
   * is on (a start asks this, not every host's server). Absent: list().
   */
  listFor?(taskId: string): Promise<Array<{ name: string; pid: number | null; dead: boolean; exitCode: number | null }>>;
  /**
   * Hosts whose tmux server did not answer the last `list()` (their sessions are missing from it
   * without being gone: they must not be concluded exited). Absent: every session is on this machine.
   */
  unanswered?(): ReadonlySet<string>;
  /**
   * How long (ms) a followed session's output has been quiet, measured where it runs, when this
   * machine's copy of its log cannot tell (a host's agent printed while no process copied).
   * Undefined: the local log's age says it.
   */
  outputAgeMs?(name: string): number | undefined;
  /** Follows an existing session again (tmux only). */
  follow(name: string, spec: Pick<SpawnSpec, 'logFile' | 'eventsFile'>): Promise<RuntimeSession | null>;
  close(options?: { killSessions?: boolean }): Promise<void>;
  /** Gives running agents whose log pipe is gone a new one (tmux: see TmuxRuntime.repairLogs). */
  repairLogs?(options?: { onlyIfWriterGone?: boolean }): Promise<number>;
}

/** The one process-group killer lives with the runner; sessions use it for their agents. */
export { killProcessGroup } from '../exec/index.js';
