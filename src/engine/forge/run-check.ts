import { dirname } from 'node:path';
import { AdmissionAbortedError } from '../core/index.js';
import type { Admission } from '../core/index.js';
import { randomBytes } from 'node:crypto';
import { processWatchdog, runCommand, sweepMarked } from '../exec/index.js';
import { appendPrivateLine, ensurePrivateDir } from '../fs/index.js';

/** One check command to run (a config check or a custom gate). */
export interface CheckSpec {
  name: string;
  command: readonly string[];
  timeoutSec: number;
}

export interface CheckOutcome {
  name: string;
  state: 'pass' | 'fail';
  /** True when the run was cancelled (flotilla stopping): the result says nothing about the code. */
  cancelled?: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  /** The last lines of output (stdout and stderr interleaved). */
  tail: string;
  /** One line for the gate detail. */
  detail: string;
  log: string;
}

/** Spawns one check (tests and the bench count spawns through this). */
export type SpawnCheck = (
  spec: CheckSpec,
  o: {
    cwd: string;
    logFile: string;
    env?: NodeJS.ProcessEnv;
    onPid?: (pid: number) => void;
    /** Called once the check runs: its group leader and the FLOTILLA_CHECK token its processes carry. */
    onStart?: (run: { pgid: number; token: string }) => void;
    signal?: AbortSignal;
  },
) => Promise<CheckOutcome>;

const TAIL_BYTES = 4000;

/** A file-name-safe form of a check name. */
export function checkFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 80) || 'check';
}

function lastLines(text: string, n = 20): string {
  return text.replace(/\s+$/, '').split('\n').slice(-n).join('\n');
}

/**
 * Runs a check command (argv, no shell) through the runner, in its own process group, writing all
 * output to `logFile` (0600). At the timeout the whole group gets SIGTERM, then SIGKILL; the check
 * fails with its last output. Whatever it leaves running in its group is killed when it exits.
 * Its processes carry `FLOTILLA_CHECK=<token>`: what left the group (setsid) is swept when the check
 * ends, and the process watchdog ends the group and the stragglers if this process dies first.
 */
export const spawnCheck: SpawnCheck = async (spec, o) => {
  await ensurePrivateDir(dirname(o.logFile));
  const started = Date.now();
  let tail = '';
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
  };
  const token = randomBytes(8).toString('hex');
  const marker = { env: { FLOTILLA_CHECK: token } };
  const watchdog = processWatchdog();
  let held: number | null = null;
  const onPid = (pid: number) => {
    held = pid;
    watchdog.hold(pid, marker);
    o.onStart?.({ pgid: pid, token });
    o.onPid?.(pid);
  };
  const result = await runCommand({
    argv: spec.command,
    cwd: o.cwd,
    env: { ...(o.env ?? process.env), ...watchdog.holdEnv(), FLOTILLA_CHECK: token },
    timeoutMs: spec.timeoutSec * 1000,
    ...(o.signal ? { signal: o.signal } : {}),
    outputFile: o.logFile,
    onOutput: keepTail,
    onPid,
    killLeftovers: true,
  });
  watchdog.free(held);
  await sweepMarked(marker);
  const cancelled = Boolean(result.aborted);
  const outcome = { exitCode: result.exitCode, timedOut: result.timedOut, error: cancelled && result.exitCode === null && !result.signal ? 'cancelled' : result.error };
  if (outcome.error) {
    keepTail(Buffer.from(`${outcome.error}\n`));
    await appendPrivateLine(o.logFile, outcome.error);
  }
  const durationMs = Date.now() - started;
  const pass = outcome.exitCode === 0 && !outcome.timedOut;
  const last = lastLines(tail, 1).slice(0, 200);
  let detail: string;
  if (pass) detail = `passed in ${(durationMs / 1000).toFixed(1)}s`;
  else if (outcome.timedOut) detail = `timed out after ${spec.timeoutSec}s and was killed${last ? `: ${last}` : ''}`;
  else if (outcome.error) detail = outcome.error;
  else detail = `exit ${outcome.exitCode ?? 'signal'}${last ? `: ${last}` : ''}`;
  return {
    name: spec.name,
    state: pass ? 'pass' : 'fail',
    ...(cancelled ? { cancelled: true } : {}),
    exitCode: outcome.exitCode,
    timedOut: outcome.timedOut,
    durationMs,
    tail: lastLines(tail),
    detail,
    log: o.logFile,
  };
};

/** Runs a check through the admission queue when there is one (kind "check", key "check:<name>"). */
export async function runCheckAdmitted(
  admission: Admission | undefined,
  spec: CheckSpec,
  o: {
    cwd: string;
    logFile: string;
    taskId: string;
    attempt?: number;
    spawn?: SpawnCheck;
    signal?: AbortSignal;
    onStart?: (run: { pgid: number; token: string; host?: string }) => void;
    /** The attempt's own variables (ports, slot, compose name), on top of flotilla's environment. */
    env?: Record<string, string>;
  },
): Promise<CheckOutcome> {
  const run = o.spawn ?? spawnCheck;
  // Checks carry their task's marker, so `stop` and `rm` of the task can find what they left.
  const env = { ...process.env, ...o.env, FLOTILLA_TASK: o.taskId, ...(o.attempt !== undefined ? { FLOTILLA_ATTEMPT: String(o.attempt) } : {}) };
  const signal = { env, ...(o.signal ? { signal: o.signal } : {}), ...(o.onStart ? { onStart: o.onStart } : {}) };
  if (!admission) return run(spec, { cwd: o.cwd, logFile: o.logFile, ...signal });
  let ticket: Awaited<ReturnType<Admission['acquire']>>;
  try {
    ticket = await admission.acquire({ kind: 'check', key: `check:${spec.name}`, label: `${o.taskId}: ${spec.name}`, taskId: o.taskId }, o.signal);
  } catch (err) {
    // Stopped while the check still waited for its turn: cancelled, like one stopped while running.
    if (!(err instanceof AdmissionAbortedError)) throw err;
    const detail = 'cancelled while waiting for admission';
    return { name: spec.name, state: 'fail', cancelled: true, exitCode: null, timedOut: false, durationMs: 0, tail: '', detail, log: o.logFile };
  }
  try {
    return await run(spec, { cwd: o.cwd, logFile: o.logFile, onPid: (pid) => ticket.trackPid(pid), ...signal, ...env });
  } finally {
    await ticket.release();
  }
}
