import { execa } from 'execa';
import type { Admission, JobRequest } from '../core/index.js';

export interface RunJobOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunJobResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  notFound: boolean;
}

/**
 * Runs one program (argv array, no shell) as a job: waits for admission (when an Admission is
 * given), measures its process tree while it runs, and releases the slot when it ends.
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
    const child = execa(file, [...args], {
      cwd: options.cwd,
      env: options.env,
      extendEnv: true,
      reject: false,
      timeout: options.timeoutMs,
      cancelSignal: options.signal,
      forceKillAfterDelay: 2000,
      stdin: 'ignore',
    });
    if (child.pid !== undefined) ticket?.trackPid(child.pid);
    const result = await child;
    return {
      exitCode: result.exitCode ?? null,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      timedOut: Boolean(result.timedOut),
      notFound: (result as { code?: string }).code === 'ENOENT',
    };
  } finally {
    await ticket?.release();
  }
}
