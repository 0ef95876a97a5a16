// The contract of the one process runner (its implementation is exec/runner.ts): every capability
// takes a Runner, so a test or another transport can stand in for it.

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
  /** Start the child in its own process group (so it can be killed as a whole). */
  detached?: boolean;
}

export interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  failed: boolean;
  signal?: string | undefined;
  /** True when the program itself could not be found or started. */
  notFound: boolean;
}

/** Runs external programs with argument arrays. Never a shell string. */
export interface Runner {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<RunResult>;
}
