import type { HostQueueView, Task } from '../core/index.js';
import { freeAboveReserveMB } from '../builds/index.js';
import { hostRefusal } from './place.js';
import { hostSituation, type ProbedRow } from './placement-cache.js';
import { LOCAL_HOST } from './report.js';

/**
 * Per host, what the queue panel and `status` show: agents running of the maximum, memory free
 * above the reserve (after the growth still expected from its agents), and each queued task that
 * waits for that host with why. Pure: probe rows and the registry in.
 *
 * A queued task waits for its attempt's host, else the host it is pinned to, else this machine.
 * For a remote host the reason is the decider's, now (`1/1 agent slots busy`, `unreachable (…)`,
 * `needs ~1.5 GB, 0.9 GB free above reserve`); when the host could take it now, the reason it was
 * queued with stands until the next pass starts it. For `local` it is the admission queue's reason.
 */

export interface QueuedTaskPlacement {
  /** The agent program of a task (claude, codex, …). */
  programOf(task: Task): string;
  /** Expected peak memory of an agent, MB. */
  peakMB: number;
}

/** The host a queued task waits for. */
export function waitsFor(task: Task): string {
  const last = task.attempts.at(-1);
  if (last) return last.host ?? LOCAL_HOST;
  return task.host ?? LOCAL_HOST;
}

export function hostQueueViews(rows: readonly ProbedRow[], tasks: readonly Task[], how: QueuedTaskPlacement): HostQueueView[] {
  const queued = tasks.filter((t) => t.state === 'queued').sort((a, b) => Date.parse(a.stateSince) - Date.parse(b.stateSince));
  return rows.map((p) => {
    const { row } = p;
    const situation = hostSituation(p, tasks, how.peakMB);
    const free = situation.memory ? freeAboveReserveMB({ ...situation.memory, swapTotalMB: 0, swapUsedMB: 0, swapping: false }, situation.reserveMB, situation.running) : null;
    const waiting = queued
      .filter((t) => waitsFor(t) === row.name)
      .map((t) => {
        const stored = (t.reason ?? 'queued').replace(/^waiting: /, '');
        if (row.name === LOCAL_HOST) return { taskId: t.id, reason: stored };
        const r = hostRefusal(situation, { program: how.programOf(t), expectedPeakMB: how.peakMB });
        return { taskId: t.id, reason: 'reason' in r ? r.reason : stored };
      });
    return {
      name: row.name,
      reachable: row.reachable,
      fault: row.reachable ? null : `${row.fault ?? 'error'}: ${row.message ?? 'no answer'}`,
      agents: { running: row.agents.running, max: row.agents.max },
      agentsRssMB: agentsRss(row.agentRssMB ?? {}, row.agents.tasks),
      freeAboveReserveMB: free === null ? null : Math.round(free),
      probedAt: new Date(p.at).toISOString(),
      waiting,
    };
  });
}

/** What the probe measured of the agents the registry says run on the host, MB; null when none was. */
function agentsRss(measured: Readonly<Record<string, number>>, running: readonly string[]): number | null {
  const known = running.filter((id) => measured[id] !== undefined);
  return known.length === 0 ? null : known.reduce((sum, id) => sum + measured[id]!, 0);
}
