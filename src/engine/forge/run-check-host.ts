import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { FileHandle } from 'node:fs/promises';
import { AdmissionAbortedError, openNoFollow, type Admission, type Attempt, type FleetContext, type RemoteHostPort } from '../core/index.js';
import { ensurePrivateDir } from '../fs/index.js';
import { runCheckAdmitted, type CheckOutcome, type CheckSpec, type SpawnCheck } from './run-check.js';

/**
 * Checks of an attempt on a host run there, in its worktree, over the host's connection. A small
 * POSIX sh wrapper starts the check in a session of its own (`setsid`; without it, job control;
 * without that, the check's own process only), enforces the timeout there (so a check outlives
 * neither its limit nor a dropped connection by long), ends what the check left in its group and
 * sweeps processes carrying its FLOTILLA_CHECK token (Linux /proc, GNU or busybox grep). Its output
 * streams back into the attempt's local check log (0600, capped); its exit status is the check's.
 * Lines of the wrapper itself go to stderr, prefixed `flotilla-check `; ssh's own errors are kept.
 */

/** Ends the group `$g` (or the process, when it leads none) with signal `$1`. */
const KILL_FN = 'k() { kill -s "$1" -- "-$g" 2>/dev/null || kill -s "$1" "$g" 2>/dev/null; }';

/** Kills every process of this user whose environment holds FLOTILLA_CHECK=<token> (not this shell). */
const SWEEP = [
  'if [ -n "$t" ] && [ -r /proc/self/environ ]; then',
  '  for f in $(grep -l -s -z -x -F -e "FLOTILLA_CHECK=$t" /proc/[0-9]*/environ 2>/dev/null); do',
  '    p=${f#/proc/}; p=${p%/environ}',
  '    [ "$p" = "$$" ] || kill -s KILL "$p" 2>/dev/null',
  '  done',
  'fi',
].join('\n');

/** $1: timeout in seconds, then the check's argv. FLOTILLA_CHECK is in the environment. */
export const HOST_CHECK_SCRIPT = [
  't=$FLOTILLA_CHECK; s=$1; shift',
  'if command -v setsid >/dev/null 2>&1; then setsid "$@" </dev/null 2>&1 &',
  'else { set -m; } 2>/dev/null; "$@" </dev/null 2>&1 &',
  'fi',
  'g=$!',
  KILL_FN,
  'echo "flotilla-check pgid $g" >&2',
  '(',
  '  i=0',
  '  while [ "$i" -lt "$s" ]; do sleep 1 </dev/null >/dev/null 2>&1; i=$((i+1)); done',
  '  echo "flotilla-check timeout" >&2',
  '  k TERM; sleep 2 </dev/null >/dev/null 2>&1; k KILL',
  ') </dev/null >/dev/null &',
  'w=$!',
  'wait "$g"; rc=$?',
  'kill "$w" 2>/dev/null',
  'k KILL',
  SWEEP,
  'echo "flotilla-check exit $rc" >&2',
  'exit "$rc"',
].join('\n');

/**
 * $1: the check's group, $2: its token. Ends it (TERM, then KILL after 2 s) when that process still
 * carries the token (a recycled pid does not), then sweeps the token.
 */
export const HOST_CHECK_KILL_SCRIPT = [
  'g=$1; t=$2',
  KILL_FN,
  'if [ ! -r "/proc/$g/environ" ] || grep -q -s -z -x -F -e "FLOTILLA_CHECK=$t" "/proc/$g/environ"; then',
  '  k TERM; sleep 2; k KILL',
  'fi',
  SWEEP,
  'exit 0',
].join('\n');

/** Most a check's log copied back from a host keeps; the rest is dropped with a note. */
export const HOST_LOG_CAP_BYTES = 8 * 1024 * 1024;
const TAIL_BYTES = 4000;
/** How long past its own timeout the local side waits for the host's answer before ending it from here. */
const LOCAL_GRACE_MS = 30_000;

/** Ends a check on a host (a runner that died, flotilla stopping): its group there, then its token. */
export async function endCheckOnHost(host: RemoteHostPort, run: { pgid: number; token: string }): Promise<void> {
  if (!/^[0-9a-f]{1,64}$/.test(run.token) || !Number.isInteger(run.pgid) || run.pgid <= 1) return;
  await host.runner.run('sh', ['-c', HOST_CHECK_KILL_SCRIPT, 'sh', String(run.pgid), run.token], { timeoutMs: 30_000 });
}

function lastLines(text: string, n = 20): string {
  return text.replace(/\s+$/, '').split('\n').slice(-n).join('\n');
}

/** The local copy of a remote check's output: written as it comes, up to `cap` bytes, then one note. */
class CappedLog {
  private written = 0;
  private noted = false;
  private writes: Promise<unknown> = Promise.resolve();
  constructor(
    private readonly handle: FileHandle,
    private readonly cap: number,
  ) {}
  add(chunk: Buffer): void {
    if (this.written < this.cap) {
      const part = this.written + chunk.length > this.cap ? chunk.subarray(0, this.cap - this.written) : chunk;
      this.written += part.length;
      this.push(part);
      if (part.length === chunk.length) return;
    }
    if (this.noted) return;
    this.noted = true;
    const size = this.cap >= 1024 * 1024 ? `${Math.round(this.cap / 1024 / 1024)} MiB` : `${this.cap} bytes`;
    this.push(Buffer.from(`\n[flotilla: log capped at ${size}; the rest was dropped]\n`));
  }
  private push(b: Buffer): void {
    const h = this.handle;
    this.writes = this.writes.then(() => h.write(b)).catch(() => undefined);
  }
  async close(): Promise<void> {
    await this.writes;
    await this.handle.close();
  }
}

export interface HostCheckOptions {
  /** The worktree on the host. */
  cwd: string;
  /** The local log file (0600). */
  logFile: string;
  /** The attempt's variables and markers (FLOTILLA_TASK, ...); this machine's own environment is not sent. */
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** Called once the check runs there: its group on the host, its token, the host. */
  onStart?: (run: { pgid: number; token: string; host: string }) => void;
  /** The local ssh client's pid (an admission ticket). */
  onPid?: (pid: number) => void;
  logCapBytes?: number;
}

/**
 * Runs one check on `host` in its worktree there (no admission; see runCheckOnHost). The outcome
 * reads as a local check's: pass on exit 0, `timed out after Ns and was killed: <last line>`, or
 * `exit N: <last line>`. A host that cannot run it at all (no answer, no such folder) throws, so the
 * caller releases the checks for a later pass instead of failing the code.
 */
export async function spawnCheckOnHost(host: RemoteHostPort, spec: CheckSpec, o: HostCheckOptions): Promise<CheckOutcome> {
  await ensurePrivateDir(dirname(o.logFile));
  const log = new CappedLog(await openNoFollow(o.logFile, 'w'), o.logCapBytes ?? HOST_LOG_CAP_BYTES);
  const started = Date.now();
  const token = randomBytes(8).toString('hex');
  let tail = '';
  const keepTail = (b: Buffer) => {
    tail = (tail + b.toString('utf8')).slice(-TAIL_BYTES);
  };
  let pgid: number | null = null;
  let exitLine: number | null = null;
  let remoteTimeout = false;
  let stderrRest = '';
  const sshErrors: string[] = [];
  const onStderr = (chunk: Buffer) => {
    stderrRest += chunk.toString('utf8');
    const lines = stderrRest.split('\n');
    stderrRest = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^flotilla-check (pgid (\d+)|timeout|exit (\d+))$/.exec(line);
      if (!m) {
        // ssh's own words (or the remote shell's, before the wrapper ran): kept in the log too.
        sshErrors.push(line);
        const b = Buffer.from(`${line}\n`);
        log.add(b);
        keepTail(b);
      } else if (m[2]) {
        pgid = Number(m[2]);
        o.onStart?.({ pgid, token, host: host.name });
      } else if (m[1] === 'timeout') remoteTimeout = true;
      else exitLine = Number(m[3]);
    }
  };
  // Ending it from here means ending it there: killing the local ssh client would not do (with a
  // multiplexed connection the master holds our output pipes until the remote program ends).
  let cancelled = false;
  let localTimeout = false;
  const beforeStart = new AbortController();
  let ending: Promise<void> | null = null;
  const endThere = () => {
    if (pgid === null) return beforeStart.abort();
    ending ??= endCheckOnHost(host, { pgid, token }).catch(() => beforeStart.abort());
  };
  const onAbort = () => {
    cancelled = true;
    endThere();
  };
  const timer = setTimeout(() => {
    localTimeout = true;
    endThere();
  }, spec.timeoutSec * 1000 + LOCAL_GRACE_MS);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  if (o.signal?.aborted) onAbort();
  let result;
  try {
    result = await host.stream(['sh', '-c', HOST_CHECK_SCRIPT, 'sh', String(spec.timeoutSec), ...spec.command], {
      cwd: o.cwd,
      env: { ...o.env, FLOTILLA_CHECK: token },
      signal: beforeStart.signal,
      ...(o.onPid ? { onPid: o.onPid } : {}),
      onOutput: (chunk, stream) => {
        if (stream === 'stderr') {
          onStderr(chunk);
          // Stopped before it had started there: end it now that it has.
          if ((cancelled || localTimeout) && pgid !== null) endThere();
          return;
        }
        log.add(chunk);
        keepTail(chunk);
      },
    });
  } finally {
    clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    if (stderrRest) onStderr(Buffer.from('\n'));
    await log.close();
  }
  await ending;
  if (exitLine === null && !cancelled && !localTimeout) {
    const why = (result.error ?? sshErrors.filter((l) => l.trim()).at(-1) ?? `exit ${result.exitCode}`).trim();
    throw new Error(`host ${host.name}: check ${spec.name} could not run in ${o.cwd}: ${why}`);
  }
  const timedOut = remoteTimeout || localTimeout;
  const exitCode = exitLine;
  const durationMs = Date.now() - started;
  const pass = exitCode === 0 && !timedOut && !cancelled;
  const last = lastLines(tail, 1).slice(0, 200);
  let detail: string;
  if (cancelled) detail = 'cancelled';
  else if (pass) detail = `passed in ${(durationMs / 1000).toFixed(1)}s on ${host.name}`;
  else if (timedOut) detail = `timed out after ${spec.timeoutSec}s and was killed${last ? `: ${last}` : ''}`;
  else detail = `exit ${exitCode}${last ? `: ${last}` : ''}`;
  return {
    name: spec.name,
    state: pass ? 'pass' : 'fail',
    ...(cancelled ? { cancelled: true } : {}),
    exitCode,
    timedOut,
    durationMs,
    tail: lastLines(tail),
    detail,
    log: o.logFile,
  };
}

/**
 * Runs one check on a host through that host's build slots (`hosts.<name>.maxBuilds`, its memory
 * reserve): the one way to run a check of an attempt on a host (CI of the local forge; the stop gate
 * may use it too). `admission` is the host's queue (FleetContext.hostBuilds); without one it runs at once.
 */
export async function runCheckOnHost(
  admission: Admission | undefined,
  host: RemoteHostPort,
  spec: CheckSpec,
  o: Omit<HostCheckOptions, 'onPid'> & { taskId: string; attempt?: number },
): Promise<CheckOutcome> {
  const env = { ...o.env, FLOTILLA_TASK: o.taskId, ...(o.attempt !== undefined ? { FLOTILLA_ATTEMPT: String(o.attempt) } : {}) };
  const options: HostCheckOptions = { cwd: o.cwd, logFile: o.logFile, env, ...(o.signal ? { signal: o.signal } : {}), ...(o.onStart ? { onStart: o.onStart } : {}), ...(o.logCapBytes ? { logCapBytes: o.logCapBytes } : {}) };
  if (!admission) return spawnCheckOnHost(host, spec, options);
  let ticket: Awaited<ReturnType<Admission['acquire']>>;
  try {
    ticket = await admission.acquire({ kind: 'check', key: `check:${spec.name}`, label: `${o.taskId}: ${spec.name} (on ${host.name})`, taskId: o.taskId }, o.signal);
  } catch (err) {
    if (!(err instanceof AdmissionAbortedError)) throw err;
    return { name: spec.name, state: 'fail', cancelled: true, exitCode: null, timedOut: false, durationMs: 0, tail: '', detail: 'cancelled while waiting for a build slot', log: o.logFile };
  }
  try {
    return await spawnCheckOnHost(host, spec, { ...options, onPid: (pid) => ticket.trackPid(pid) });
  } finally {
    await ticket.release();
  }
}

/**
 * Runs a check of an attempt where the attempt lives: on its host, in its worktree there, through
 * that host's build slots; else here, through this machine's admission queue. `spawn` (tests, the
 * bench) replaces the local spawn only.
 */
export async function runAttemptCheck(
  ctx: Pick<FleetContext, 'admission' | 'hosts' | 'hostBuilds'>,
  attempt: Pick<Attempt, 'n' | 'host' | 'worktree'>,
  spec: CheckSpec,
  o: { taskId: string; logFile: string; env?: Record<string, string>; signal?: AbortSignal; onStart?: (run: { pgid: number; token: string; host?: string }) => void; spawn?: SpawnCheck },
): Promise<CheckOutcome> {
  const common = { logFile: o.logFile, taskId: o.taskId, attempt: attempt.n, ...(o.env ? { env: o.env } : {}), ...(o.signal ? { signal: o.signal } : {}), ...(o.onStart ? { onStart: o.onStart } : {}) };
  if (attempt.host) {
    if (!ctx.hosts) throw new Error(`attempt ${attempt.n} runs on host ${attempt.host}, and hosts are not available here`);
    return runCheckOnHost(ctx.hostBuilds?.(attempt.host), ctx.hosts.get(attempt.host), spec, { cwd: attempt.worktree, ...common });
  }
  return runCheckAdmitted(ctx.admission, spec, { cwd: attempt.worktree, ...common, ...(o.spawn ? { spawn: o.spawn } : {}) });
}
