import { existsSync, readFileSync } from 'node:fs';

/**
 * Whether `pid` still leads the process group of the agent flotilla started for `taskId`. Every
 * agent leads its own group; where /proc can tell (Linux), its environment must also name the task
 * (`FLOTILLA_TASK`), so a pid the system has since reused is never signalled.
 */
export function isAgentGroup(pid: number, taskId: string): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(-pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!existsSync('/proc/self/environ')) return true;
  try {
    return `\0${readFileSync(`/proc/${pid}/environ`, 'latin1')}`.includes(`\0FLOTILLA_TASK=${taskId}\0`);
  } catch {
    return false;
  }
}
