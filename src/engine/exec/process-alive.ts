import { readFileSync } from 'node:fs';

/**
 * Whether a process runs, without starting a child process: signal 0 checks without sending.
 * A process we may not signal (EPERM) exists too. Zero, negative and missing pids are not alive,
 * and neither is a zombie (exited, not yet reaped: signal 0 still reaches it).
 */
export function processAlive(pid: number | null | undefined): boolean {
  if (!pid || pid < 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !processZombie(pid);
}

/**
 * Whether a process has exited but was not reaped by its parent yet (state Z in /proc/<pid>/stat).
 * `processAlive` says yes to such a process; a session whose pane process is a zombie is over.
 * False where /proc is missing (not Linux) or the process is gone.
 */
export function processZombie(pid: number | null | undefined): boolean {
  if (!pid || pid < 0) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last ")".
  return stat.slice(stat.lastIndexOf(')') + 1).trimStart().startsWith('Z');
}

/**
 * The process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat), as text, or
 * null where /proc is missing or the process is gone. A pid plus its start time names one process:
 * a recycled pid has another start time.
 */
export function processStartTime(pid: number | null | undefined): string | null {
  if (!pid || pid < 0) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after "(comm)" start at field 3 (state); starttime is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 1).trim().split(/\s+/);
  const start = fields[22 - 3];
  return start && /^\d+$/.test(start) ? start : null;
}

/** Whether the process `pid` runs and is the one that started at `startTime` (when known). */
export function processIsSame(pid: number, startTime: string | null | undefined): boolean {
  if (!processAlive(pid)) return false;
  if (!startTime) return true;
  const now = processStartTime(pid);
  return now === null || now === startTime;
}
