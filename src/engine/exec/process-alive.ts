/**
 * Whether a process exists, without starting a child process: signal 0 checks without sending.
 * A process we may not signal (EPERM) exists too. Zero, negative and missing pids are not alive.
 */
export function processAlive(pid: number | null | undefined): boolean {
  if (!pid || pid < 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
