import type { FleetContext } from '../core/index.js';
import type { Attempt, Task } from '../core/index.js';
import { processAlive as pidAlive } from '../exec/index.js';
import type { SessionView } from './decide.js';
import type { RemoteFacts } from './remote-attempt.js';

/**
 * Reads an attempt's session: the registry's attempt.session, and whether it is alive, asked of
 * the session runtime when there is one (ctx.sessions) and by signalling the pid (no child process);
 * for an attempt on a host, from the pass's probe of that host.
 */
export async function sessionView(ctx: FleetContext, task: Task, attempt: Attempt, remote?: RemoteFacts & { kind: 'read' }): Promise<SessionView> {
  const s = attempt.session;
  if (!s) return { state: null, alive: null, exitCode: null, pid: null };
  if (s.state === 'exited') return { state: s.state, alive: false, exitCode: s.exitCode ?? null, pid: s.pid, since: s.since };
  if (remote) {
    // On a host: the pass's probe listed its tmux server (no call of our own). Without a listing
    // (tmux missing or failing there) whether it lives cannot be told.
    const listed = remote.tmux === 'ok' || remote.tmux === 'none';
    const row = remote.session;
    const alive = listed ? Boolean(row && !row.dead) : null;
    const exitCode = row?.dead ? row.exitCode : (s.exitCode ?? null);
    return { state: s.state, alive, exitCode, pid: row?.pid ?? s.pid, since: s.since };
  }
  let alive: boolean | null = null;
  if (ctx.sessions) {
    try {
      alive = await ctx.sessions.isAlive(task.id);
    } catch {
      alive = null;
    }
  }
  // A pty session belongs to the process that started it; another flotilla process (check, watch)
  // only sees its pid. Alive if either says so.
  if (alive !== true && s.pid) alive = pidAlive(s.pid);
  return { state: s.state, alive, exitCode: s.exitCode ?? null, pid: s.pid, since: s.since };
}
