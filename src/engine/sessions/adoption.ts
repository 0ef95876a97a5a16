import { statSync } from 'node:fs';
import { isTaskId, type RegistryData, type SessionInfo } from '../core/index.js';
import { processAlive } from '../exec/index.js';
import { attemptLogFile, hookEventsFile } from './launch-spec.js';
import type { SessionManagerContext } from './session-context.js';
import type { Runtime } from './runtime.js';
import type { Entry, StatusWiring } from './status-wiring.js';

/** What adoption works with: the repository, the runtime and the sessions this process follows. */
export interface AdoptionHost {
  ctx: SessionManagerContext;
  rt: Runtime;
  status: StatusWiring;
  /** Follow-ups under way, by task: a second ask for the same task waits for the first. */
  following?: Map<string, Promise<Entry | null>>;
}

/**
 * The entry for a task: one this process follows, or (tmux) a session left by another process.
 * `data`: the registry as just read (adoption reads it once for all the tasks).
 */
export function followSession(h: AdoptionHost, taskId: string, detect = false, data?: RegistryData): Promise<Entry | null> {
  const following = (h.following ??= new Map());
  const under = following.get(taskId);
  if (under) return under;
  const p = follow(h, taskId, detect, data).finally(() => following.delete(taskId));
  following.set(taskId, p);
  return p;
}

async function follow(h: AdoptionHost, taskId: string, detect: boolean, given?: RegistryData): Promise<Entry | null> {
  const known = h.status.entries.get(taskId);
  if (known && (known.info.state !== 'exited' || h.rt.kind !== 'tmux')) return known;
  if (h.rt.kind !== 'tmux' || !isTaskId(taskId)) return null;
  if (known) {
    // Exited here; follow it again only if another process has started it since.
    const row = (await h.rt.list()).find((r) => r.name === taskId);
    if (!row || row.dead) return known;
    known.session.release();
    h.status.entries.delete(taskId);
  }
  const data = given ?? (await h.ctx.registry.read());
  const task = data.tasks.find((t) => t.id === taskId);
  const att = task?.attempts.at(-1);
  if (!task || !att) return null;
  const session = await h.rt.follow(taskId, { logFile: attemptLogFile(h.ctx.paths, taskId, att.n), eventsFile: hookEventsFile(h.ctx.paths, taskId) });
  if (!session) return null;
  const info: SessionInfo = att.session ?? { state: 'working', pid: session.pid, since: new Date().toISOString(), runtime: 'tmux', name: taskId };
  // Replay this attempt's hook events so the status is right at once.
  // The output log stops growing when the agent goes quiet: its age says how long it has been (on a
  // host, the log there: the copy here is only as fresh as the last process that copied it).
  let quietForMs = h.rt.outputAgeMs?.(taskId);
  if (quietForMs === undefined) {
    try {
      quietForMs = Math.max(0, Date.now() - statSync(attemptLogFile(h.ctx.paths, taskId, att.n)).mtimeMs);
    } catch {
      quietForMs = undefined;
    }
  }
  const entry = h.status.track(taskId, att.n, task.agent, session, { ...info, pid: session.pid }, 0, detect, quietForMs);
  await entry.ready;
  // Quiet long enough already: decide the status now (a one-shot `flotilla check` sees it).
  await entry.tracker?.settle();
  await entry.writes;
  return entry;
}

/** Finds sessions still running from an earlier flotilla process (tmux) and follows them again; records the gone ones as exited. */
export async function adoptSessions(h: AdoptionHost): Promise<void> {
  const data = await h.ctx.registry.read();
  const rows = new Map((await h.rt.list()).map((r) => [r.name, r]));
  // The shared log writer was killed: the agents still running get their log pipes back (while it
  // answers, this costs one connect to its socket).
  if (rows.size > 0) await h.rt.repairLogs?.({ onlyIfWriterGone: true }).catch(() => 0);
  const silent = h.rt.unanswered?.() ?? new Set<string>();
  // The sessions are followed side by side: their first screen reads go to tmux as one call and
  // their first status writes as one registry write (at 100 agents, one by one took seconds).
  const following: Array<Promise<unknown>> = [];
  for (const task of data.tasks) {
    const att = task.attempts.at(-1);
    if (!att?.session || h.status.entries.has(task.id)) continue;
    // Its host did not answer: the session may well live there; adopted once the host is back.
    if (att.host && silent.has(att.host)) continue;
    const row = rows.get(task.id);
    if (h.rt.kind === 'tmux' && row && att.session.runtime !== 'pty') {
      following.push(followSession(h, task.id, true, data));
      continue;
    }
    if (att.session.state === 'exited') continue;
    // Recorded as running but no longer there: the process (or flotilla, for pty) went away.
    const pidAlive = att.session.pid !== null && att.session.runtime === 'pty' && processAlive(att.session.pid);
    if (pidAlive) continue;
    following.push(h.status.record(task.id, att.n, {
      ...att.session,
      state: 'exited',
      since: new Date().toISOString(),
      exitCode: att.session.exitCode ?? null,
      message: att.session.runtime === 'pty' ? 'the flotilla process holding this session ended' : 'the session is gone',
    }));
  }
  await Promise.all(following);
}
