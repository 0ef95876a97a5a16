import { runCommand, type CommandResult } from '../exec/index.js';
import type { Admission, JobRequest } from '../core/index.js';

export interface RunJobOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export type RunJobResult = CommandResult;

/**
 * Runs one program (argv array, no shell) as a job through the runner: waits for admission (when
 * an Admission is given), measures its process tree while it runs, and releases the slot when it ends.
 */
export async function runJob(
  admission: Admission | undefined,
  job: JobRequest,
  file: string,
  args: readonly string[],
  options: RunJobOptions,
): Promise<RunJobResult> {
  const ticket = admission ? await admission.acquire(job, options.signal) : null;
  try {
    return await runCommand({
      argv: [file, ...args],
      cwd: options.cwd,
      ...(options.env ? { env: options.env } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      onPid: (pid) => ticket?.trackPid(pid),
    });
  } finally {
    await ticket?.release();
  }
}
