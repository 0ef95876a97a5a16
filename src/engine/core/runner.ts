// The contract of the one process runner (its implementation is exec/runner.ts, runCommand over a
// Transport): every capability takes a Runner, so a test or another transport can stand in for it.

export interface RunOptions {
  cwd?: string;
  /** Added to the environment of the machine that runs the command. */
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed (without it stdin is closed from the start). */
  input?: string;
  /** Past this the whole process group is ended (SIGTERM, then SIGKILL). */
  timeoutMs?: number;
  /** Aborting ends the whole process group the same way. */
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number | null;
  signal?: string | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Ended because the abort signal fired. */
  aborted?: boolean;
  /** Did not exit 0 (or could not start). */
  failed: boolean;
  /** The program itself could not be found. */
  notFound: boolean;
  /** Why it could not start, in one line (`make: command not found`); absent when it ran. */
  error?: string;
}

/**
 * Runs external programs with argument arrays, never a shell string, each in its own process
 * group (exec/runner.ts). The fake runners of tests implement this one method.
 */
export interface Runner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}
