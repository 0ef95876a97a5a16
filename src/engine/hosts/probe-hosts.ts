import type { HostFault, RemoteHostPort } from '../core/index.js';
import { runCommand, type Transport } from '../exec/index.js';
import { parseProbe, probeScript, ProbeParseError, type HostProbe, type ProbeRequest } from './probe.js';
import { classifySshError, sshReason } from './ssh.js';

/**
 * Runs the batched probe on every host at once, each with its own timeout, so a stalled host never
 * delays the others: one command per host per pass (`sh -c <script>` in the host's channel or as
 * an exec over its master connection, or locally for `local`).
 */

/** What running the probe's argv gave. */
export interface ProbeAnswer {
  exitCode: number | null;
  stdout: string;
  /** For a remote run that ended 255: ssh's own stderr (empty when it said nothing). */
  stderr: string;
  timedOut: boolean;
  /** The program (ssh, sh) could not be started. */
  error?: string;
}

/** Runs argv on the target within timeoutMs (the second run of a failed probe gets what is left). */
export type ProbeRun = (argv: readonly string[], timeoutMs: number) => Promise<ProbeAnswer>;

/** A probe run as its own process through `transport` (local, or one ssh exec per probe). */
export function transportRun(transport: Transport): ProbeRun {
  return (argv, timeoutMs) => runCommand({ argv, timeoutMs, killGraceMs: 500 }, transport);
}

/**
 * A probe run in the host's long-lived channel (its readBytes): no ssh process when the channel is
 * open, and the one it opens serves the process's later commands (adoption, log rounds). A
 * connection that failed under it gives ssh's own words as stderr, as an exec would.
 */
export function channelRun(host: Pick<RemoteHostPort, 'readBytes'>): ProbeRun {
  return async (argv, timeoutMs) => {
    const r = await host.readBytes(argv, { timeoutMs });
    return {
      exitCode: r.exitCode,
      stdout: r.stdout.toString('utf8'),
      stderr: r.sshStderr ?? r.stderr,
      timedOut: r.exitCode === null,
      ...(r.error ? { error: r.error } : {}),
    };
  };
}

export interface ProbeTarget {
  name: string;
  run: ProbeRun;
  /** True when the run goes over ssh (its exit 255 is then ssh's own failure). */
  remote: boolean;
  request: ProbeRequest;
}

export type { HostFault };

export type ProbeOutcome =
  | { name: string; ok: true; probe: HostProbe; ms: number }
  | { name: string; ok: false; fault: HostFault; message: string; ms: number };

/** The last meaningful line of ssh's stderr (its own diagnostics come last), control bytes removed. */
function lastLine(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/[^\x20-\x7e]/g, '').trim())
    .filter((l) => l && !/^Warning: Permanently added/.test(l));
  return (lines.at(-1) ?? '').slice(0, 200);
}

/** What a probe says when ssh ended without a word twice (the connection dropped under both). */
export const NO_SSH_REASON = 'the connection closed while the probe ran (ssh gave no reason)';

export async function probeHost(target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const started = Date.now();
  const ms = () => Date.now() - started;
  const argv = ['sh', '-c', probeScript(target.request)];
  let r = await target.run(argv, timeoutMs);
  // A connection that drops while the probe runs over it (sshd gone, the machine off the network)
  // ends ssh with 255 and not a word: the master connection held it, and the master's stderr is
  // not ours. Asked once more, ssh makes a new connection and says why (connection refused, no
  // route to host, ...), or the host answers. Only a failed probe costs this second exec.
  if (target.remote && !r.timedOut && r.exitCode === 255 && !sshReason(r.stderr) && timeoutMs - ms() >= 1000) {
    r = await target.run(argv, timeoutMs - ms());
  }
  if (r.timedOut) return { name: target.name, ok: false, fault: 'timeout', message: `no answer within ${(timeoutMs / 1000).toFixed(1)} s`, ms: ms() };
  if (r.error) return { name: target.name, ok: false, fault: 'error', message: r.error, ms: ms() };
  if (target.remote && r.exitCode === 255) {
    const kind = classifySshError(r.stderr);
    const fault: HostFault = kind === 'other' ? 'unreachable' : kind;
    return { name: target.name, ok: false, fault, message: sshReason(r.stderr) || NO_SSH_REASON, ms: ms() };
  }
  try {
    return { name: target.name, ok: true, probe: parseProbe(target.name, target.request, r.stdout), ms: ms() };
  } catch (err) {
    if (!(err instanceof ProbeParseError)) throw err;
    const exit = r.exitCode === 0 ? '' : ` (exit ${r.exitCode}${lastLine(r.stderr) ? `: ${lastLine(r.stderr)}` : ''})`;
    return { name: target.name, ok: false, fault: 'garbage', message: `${err.message}${exit}`, ms: ms() };
  }
}

/** Probes every target in parallel; the answer keeps the targets' order. */
export function probeHosts(targets: readonly ProbeTarget[], timeoutMs: number): Promise<ProbeOutcome[]> {
  return Promise.all(targets.map((t) => probeHost(t, timeoutMs)));
}
