import { execa } from 'execa';

/**
 * Runs one reviewer process: argv array, its own process group, a timeout that kills the whole
 * group (SIGTERM, then SIGKILL), stdin closed. Never throws for the process's own failure.
 */

export interface ReviewerProcessResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  notFound: boolean;
  signal?: string;
}

export interface ReviewerProcessOptions {
  cwd: string;
  timeoutMs: number;
  env?: Record<string, string>;
  /** Called with the pid once started (for the admission ticket's RSS tracking). */
  onPid?: (pid: number) => void;
  signal?: AbortSignal;
}

const MAX_OUTPUT = 32 * 1024 * 1024;
const KILL_GRACE_MS = 2000;

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

export async function runReviewerProcess(file: string, args: readonly string[], o: ReviewerProcessOptions): Promise<ReviewerProcessResult> {
  const child = execa(file, [...args], {
    cwd: o.cwd,
    env: o.env,
    extendEnv: true,
    stdin: 'ignore',
    detached: true,
    reject: false,
    maxBuffer: MAX_OUTPUT,
    stripFinalNewline: false,
  });
  let timedOut = false;
  let stopped = false;
  let graceTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (!child.pid || stopped) return;
    stopped = true;
    killGroup(child.pid, 'SIGTERM');
    graceTimer = setTimeout(() => child.pid && killGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS);
    graceTimer.unref();
  };
  const timer = setTimeout(() => {
    timedOut = true;
    stop();
  }, o.timeoutMs);
  const onAbort = () => stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) stop();
  if (child.pid) o.onPid?.(child.pid);
  try {
    const r = await child;
    const code = (r as { code?: string }).code;
    return {
      exitCode: r.exitCode ?? null,
      stdout: String(r.stdout ?? ''),
      stderr: String(r.stderr ?? ''),
      timedOut,
      notFound: code === 'ENOENT',
      signal: r.signal ?? undefined,
    };
  } finally {
    clearTimeout(timer);
    if (graceTimer) clearTimeout(graceTimer);
    o.signal?.removeEventListener('abort', onAbort);
    // The reviewer is gone; whatever it left running in its group (a child it spawned that outlived
    // it or ignored SIGTERM) is an orphan now: end it, so no reviewer process outlives its run.
    if (child.pid) killGroup(child.pid, 'SIGKILL');
  }
}
