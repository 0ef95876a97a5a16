import { finishedAgentsToClose, queuedInOrder } from '../builds/index.js';
import { errorMessage } from '../core/index.js';
import { waitsFor } from '../hosts/index.js';
import type { Fleet } from './create-fleet.js';

/**
 * Agent slots follow the work, after every monitor pass (TUI, `watch`, `check`):
 * - queued tasks (left by a start that did not wait: `flotilla start`, a retry from `check`) are
 *   started oldest first, without waiting, until one finds no slot on its host (this machine's
 *   queue, or a remote host's agent slots): the tasks waiting for other hosts still go;
 * - with `finishedAgents: "close"`, the agents of ready and escalated tasks are closed (the task
 *   keeps its state; see stopTask).
 */
export function followWork(fleet: Fleet): void {
  fleet.monitor.afterPass(async (result) => {
    if (!fleet.sessions) return;
    const sessions = fleet.sessions;
    for (const t of finishedAgentsToClose(fleet.store.getState().tasks, fleet.config.finishedAgents)) {
      try {
        if (!(await sessions.isAlive(t.id))) continue;
        await sessions.stop(t.id);
        const change = { taskId: t.id, attempt: t.attempts.at(-1)?.n ?? 0, what: 'state' as const, message: `agent closed: ${t.id} is ${t.state} (finishedAgents: close)` };
        result.changes.push(change);
        fleet.events.emit({ type: 'monitor.change', change });
      } catch (err) {
        fleet.events.emit({ type: 'error', message: `closing the finished agent of ${t.id}: ${errorMessage(err)}` });
      }
    }
  });

  fleet.monitor.afterPass(async (result) => {
    if (!fleet.sessions) return;
    // A pty session dies with a one-shot process: only a running loop (TUI, watch) or tmux starts them.
    if (fleet.sessions.runtime === 'pty' && !fleet.monitor.running) return;
    // Each host has its own slots: a full host holds back only the tasks that wait for it.
    const full = new Set<string>();
    for (const t of queuedInOrder(fleet.store.getState().tasks)) {
      const host = waitsFor(t);
      if (full.has(host)) continue;
      try {
        if (await fleet.sessions.isAlive(t.id)) continue;
        const info = await fleet.dispatch({ type: 'task.start', id: t.id, wait: false });
        if ('waiting' in info) {
          full.add(host);
          continue;
        }
        const change = { taskId: t.id, attempt: t.attempts.at(-1)?.n ?? 1, what: 'state' as const, message: `started (was queued)` };
        result.changes.push(change);
        fleet.events.emit({ type: 'monitor.change', change });
      } catch (err) {
        fleet.events.emit({ type: 'error', message: `start of queued ${t.id}: ${errorMessage(err)}` });
      }
    }
  });
}
