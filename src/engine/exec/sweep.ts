import { readFileSync, readdirSync } from 'node:fs';

/**
 * The sweep after a process-group kill: a child that left its group (`setsid`, a daemonising
 * double fork) survives `kill(-pgid)`, but it still carries the environment flotilla gave the
 * agent, check or setup command it came from (`FLOTILLA_TASK`, `FLOTILLA_ATTEMPT`, `FLOTILLA_CHECK`).
 * Linux only (/proc); elsewhere the sweep finds nothing.
 */

/** Environment variables a process must carry (all of them) to be swept; `without` it must not carry. */
export interface SweepMarker {
  env: Record<string, string>;
  /** Variables whose presence spares a process (e.g. a check of the task when only its agent is stopped). */
  without?: string[];
}

/** Whether a NUL-separated environment block matches the marker. Pure. */
export function environMatches(environ: string, marker: SweepMarker): boolean {
  const block = `\0${environ}`;
  for (const [k, v] of Object.entries(marker.env)) if (!block.includes(`\0${k}=${v}\0`)) return false;
  for (const k of marker.without ?? []) if (block.includes(`\0${k}=`)) return false;
  return Object.keys(marker.env).length > 0;
}

/** This process and its ancestors: never swept (a flotilla command run inside an agent carries its marker). */
function selfAndAncestors(): Set<number> {
  const out = new Set<number>([process.pid]);
  let pid = process.ppid;
  for (let i = 0; i < 64 && pid > 1 && !out.has(pid); i++) {
    out.add(pid);
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      break;
    }
  }
  return out;
}

/** Pids of live processes (not zombies, not tmux servers, not us or our ancestors) carrying the marker. */
export function findMarked(marker: SweepMarker): number[] {
  return findMarkedMany([marker])[0]!;
}

/**
 * One walk of /proc for several markers: per marker, the pids carrying it. Reading every process's
 * environment is the cost (a few hundred ms on a busy machine), so stopping 50 agents at once must
 * not walk /proc 50 times.
 */
export function findMarkedMany(markers: readonly SweepMarker[]): number[][] {
  const found: number[][] = markers.map(() => []);
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return found;
  }
  const spare = selfAndAncestors();
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (spare.has(pid)) continue;
    try {
      const environ = readFileSync(`/proc/${pid}/environ`, 'latin1');
      const hits = markers.map((m) => environMatches(environ, m));
      if (!hits.includes(true)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      // A tmux server holds every session: it must never go with one task.
      if (state === 'Z' || comm.startsWith('tmux')) continue;
      hits.forEach((hit, i) => hit && found[i]!.push(pid));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

/** Markers asked about in the same turn of the event loop share one walk of /proc. */
let waiting: Array<{ marker: SweepMarker; resolve: (pids: number[]) => void }> = [];
function findMarkedShared(marker: SweepMarker): Promise<number[]> {
  return new Promise((resolve) => {
    waiting.push({ marker, resolve });
    if (waiting.length > 1) return;
    setImmediate(() => {
      const batch = waiting;
      waiting = [];
      const found = findMarkedMany(batch.map((b) => b.marker));
      batch.forEach((b, i) => b.resolve(found[i]!));
    });
  });
}

function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // gone
    }
  }
}

/**
 * Ends every process carrying the marker: SIGTERM, then SIGKILL after `graceMs` for what is left.
 * Returns how many were found. Synchronous waiting is avoided; resolves once they are gone or killed.
 */
export async function sweepMarked(marker: SweepMarker, graceMs = 1000): Promise<number> {
  const first = await findMarkedShared(marker);
  if (first.length === 0) return 0;
  signalAll(first, 'SIGTERM');
  const until = Date.now() + graceMs;
  let left = first;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 50));
    left = await findMarkedShared(marker);
    if (left.length === 0) return first.length;
  }
  signalAll(await findMarkedShared(marker), 'SIGKILL');
  const hard = Date.now() + 2000;
  while ((await findMarkedShared(marker)).length && Date.now() < hard) await new Promise((r) => setTimeout(r, 25));
  return first.length;
}

/**
 * The marker of one attempt's agent and setup commands (its checks are spared: they end with their
 * runner). With `repo` (FLOTILLA_REPO, which every agent carries) only that repository's agent: task
 * ids and attempt numbers repeat across repositories on one machine.
 */
export function attemptMarker(taskId: string, attempt?: number, options: { includeChecks?: boolean; repo?: string } = {}): SweepMarker {
  return {
    env: { FLOTILLA_TASK: taskId, ...(attempt !== undefined ? { FLOTILLA_ATTEMPT: String(attempt) } : {}), ...(options.repo ? { FLOTILLA_REPO: options.repo } : {}) },
    ...(options.includeChecks ? {} : { without: ['FLOTILLA_CHECK'] }),
  };
}
