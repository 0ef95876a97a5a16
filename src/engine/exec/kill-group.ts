/**
 * The one process-group killer. Every child flotilla starts leads its own process group (the
 * runner's transport starts it so; agents are started the same way), so a signal to `-pid` reaches
 * the program and everything it started that stayed in its group.
 */

/** Sends `signal` to the group led by `pid` (or to `pid` alone when it leads no group). False when nothing was there. */
export function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return true;
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }
}

/** Whether anything of the group led by `pid` is still there. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Ends a process group without waiting: SIGTERM now, SIGKILL after `graceMs` to whatever is left.
 * Returns a function that cancels the pending SIGKILL (call it once the group is known gone).
 */
export function terminateGroup(pid: number, graceMs: number): () => void {
  signalGroup(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (groupAlive(pid)) signalGroup(pid, 'SIGKILL');
  }, graceMs);
  timer.unref();
  return () => clearTimeout(timer);
}

/** Kills a process group and waits: SIGTERM, then SIGKILL after `graceMs` if anything is left. */
export async function killProcessGroup(pid: number, graceMs = 3000): Promise<void> {
  if (!groupAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
  if (groupAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    const hard = Date.now() + 2000;
    while (groupAlive(pid) && Date.now() < hard) await new Promise((r) => setTimeout(r, 25));
  }
}
