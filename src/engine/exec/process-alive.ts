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
