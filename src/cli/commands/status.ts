import { IDLE_NO_SLOT, formatGB } from '../../engine/index.js';
import type { ResourcesSnapshot } from '../../engine/index.js';
import { createFleet } from '../../engine/index.js';
import type { Task } from '../../engine/index.js';
import { reviewStatusView } from '../../engine/index.js';
import { forgeLine, selectForge } from '../../engine/index.js';
import type { RepoPaths } from '../../engine/index.js';
import { ageOfFileSec, attemptLogFile, liveWatchers, sessionStateLabel } from '../../engine/index.js';
import { jsonText, safeLine } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { age, formatTable } from '../format/table.js';
import { hostQueueLines } from '../format/host-queue.js';
import type { CliCommand } from '../io.js';

const GATE_GLYPH = { pass: '✓', fail: '✗', pending: '…', skip: '-' } as const;

/** How the latest session is followed right now: by a running view or `watch`, and its output's age. */
export interface SessionLiveness {
  watched: boolean;
  outputAgeSec: number | null;
}

/** The JSON shape of one task in `status --json` (documented in README). */
export function taskView(task: Task, live?: SessionLiveness) {
  return {
    id: task.id,
    title: task.title,
    agent: task.agent,
    base: task.base,
    state: task.state,
    stateSince: task.stateSince,
    reason: task.reason,
    /** When a paused task resumes (a usage limit's reset time), else null. */
    pausedUntil: task.state === 'paused' ? (task.pause?.until ?? null) : null,
    pause: task.pause ?? null,
    tags: task.tags,
    after: task.after,
    host: task.host ?? null,
    attempts: task.attempts.map((a) => ({
      n: a.n,
      branch: a.branch,
      worktree: a.worktree,
      startPoint: a.startPoint,
      state: a.state,
      session: a.session,
      failure: a.failure,
      ciRounds: a.ciRounds,
      sharedDeps: a.sharedDeps,
      enrichment: a.enrichment ? { kinds: a.enrichment.kinds } : null,
      slot: a.slot ?? null,
      ports: a.ports ?? {},
      host: a.host ?? null,
    })),
    files: task.files ?? [],
    overlaps: (task.overlaps ?? []).map((o) => ({ task: o.task, files: o.files, conflicts: o.conflicts })),
    ...(live ? { live } : {}),
    escalation: task.escalation ?? null,
    kind: task.kind ?? 'worker',
    gates: task.gates,
    pr: task.pr,
    cost: task.cost,
    review: reviewStatusView(task),
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
    notes: task.notes,
  };
}

/** What a live session says (`working: API error, retry 3/10`, `waiting: <the line that asks>`). */
function sessionNote(session: Task['attempts'][number]['session'] | undefined): string {
  if (!session?.message || (session.state !== 'working' && session.state !== 'waiting')) return '';
  return `${session.state}: ${safeLine(session.message)}`;
}

function row(task: Task, live?: SessionLiveness): string[] {
  const last = task.attempts.at(-1);
  const session = last?.session ? `/${live ? sessionStateLabel(last.session.state, live) : last.session.state}` : '';
  const gates = Object.entries(task.gates)
    .map(([name, g]) => `${name}${GATE_GLYPH[g.state]}`)
    .join(' ');
  return [
    task.id,
    task.state + session,
    task.agent,
    String(task.attempts.length),
    task.pr ? `#${task.pr.number}` : '-',
    gates || '-',
    age(task.stateSince),
    [task.reason ?? sessionNote(last?.session), portsText(task), overlapText(task)].filter(Boolean).join(' · '),
  ];
}

/** "PORT=20010 VITE_PORT=20011" of the latest attempt, while it holds its ports. */
export function portsText(task: Task): string {
  return Object.entries(task.attempts.at(-1)?.ports ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
}

/** "conflicts with b (src/x.ts) · overlaps c" from the conflict radar. */
export function overlapText(task: Task): string {
  return (task.overlaps ?? [])
    .map((o) => (o.conflicts.length ? `conflicts with ${o.task} (${o.conflicts.slice(0, 2).join(', ')}${o.conflicts.length > 2 ? ', …' : ''})` : `overlaps ${o.task}`))
    .join(' · ');
}

/**
 * For each task whose latest session has not exited: whether a view or `watch` follows it now and
 * how old its output is. Without a watcher, the states shown were computed by this command itself
 * (from hook events, the output log's age and the screen) and say so.
 */
function liveness(paths: RepoPaths, tasks: readonly Task[], hostAgeMs?: (taskId: string) => number | undefined): Map<string, SessionLiveness> {
  const watched = liveWatchers(paths.stateDir).length > 0;
  const out = new Map<string, SessionLiveness>();
  for (const t of tasks) {
    const a = t.attempts.at(-1);
    if (!a?.session || a.session.state === 'exited') continue;
    // A pty agent lives inside the flotilla process that started it, which follows it.
    // An agent on a host: its log there (adoption read its age), not the copy here, which only
    // some process that followed it while it printed has written.
    const there = a.host ? hostAgeMs?.(t.id) : undefined;
    const outputAgeSec = there !== undefined ? Math.round(there / 1000) : ageOfFileSec(attemptLogFile(paths, t.id, a.n));
    out.set(t.id, { watched: watched || a.session.runtime === 'pty', outputAgeSec });
  }
  return out;
}

/** "3 running", or "1 running, 4 idle in finished tasks (no slot)": idle finished agents hold no slot. */
function queueRunning(r: ResourcesSnapshot): string {
  const idle = r.running.filter((e) => e.reason === IDLE_NO_SLOT).length;
  return `${r.running.length - idle} running${idle ? `, ${idle} idle in finished tasks (no slot)` : ''}`;
}

/** One line about memory, the admission queue and the recommendation (non-JSON status). */
export function resourcesLine(r: ResourcesSnapshot): string {
  const parts = [
    `memory: ${formatGB(r.availableMB)} free of ${formatGB(r.totalMB)}, reserve ${formatGB(r.reserveMB)}${r.swapping ? ', SWAPPING' : ''}`,
    `queue: ${queueRunning(r)}, ${r.waiting.length} waiting${r.waiting[0]?.reason ? ` (${r.waiting[0].label}: ${r.waiting[0].reason})` : ''}`,
    `recommended agents: ${r.recommendation.agents} (${r.recommendation.reason})`,
  ];
  return parts.join(' · ');
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'show every task (a table, or JSON with --json)',
  help: `Usage: flotilla status [--json]

Prints one row per task: id, state (and session status), agent, attempts, PR, gates, time in
state and reason, then one line on memory, the admission queue and how many agents this machine
can run now, and with config \`hosts\` one line per host: agents running of its maximum, memory
free above its reserve (a probe at most 10 s old) and each task waiting for it with why. Session states are worked out when you ask (hook events, the age of the agent's
output, its screen, whether it runs); when no fleet view or \`flotilla watch\` follows the
agents, a running session says so: \`working (unwatched, output 3s ago)\`. With --json prints {"tasks": [...], "resources": {...}} (schema in README and
docs/builds.md).`,
  async run(args, io) {
    const { values, help } = parseCommandArgs('status', args, { json: { type: 'boolean' } }, { max: 0 });
    if (help) return io.out(this.help), 0;
    const fleet = await createFleet({ cwd: io.cwd });
    // Agents in tmux report through hook files and their output logs: follow them once, so the
    // status shown is current even when no fleet view or `watch` is running. A pty session whose
    // flotilla process is gone (killed, crashed) is recorded as exited on the way.
    if (fleet.sessions && fleet.store.getState().tasks.some((t) => t.attempts.at(-1)?.session && t.attempts.at(-1)?.session?.state !== 'exited')) {
      await fleet.sessions.adopt().catch(() => undefined);
      await fleet.refresh();
    }
    const { tasks, error } = fleet.store.getState();
    if (error) throw new Error(error);
    const live = liveness(fleet.paths, tasks, (id) => fleet.sessions?.outputAgeMs?.(id));
    const resources = fleet.admission ? await fleet.admission.snapshot().finally(() => fleet.close()) : undefined;
    if (values.json) {
      io.out(jsonText({ tasks: tasks.map((t) => taskView(t, live.get(t.id))), resources }, 2));
      return 0;
    }
    if (tasks.length === 0) {
      io.out('no tasks yet: flotilla add "<title>" --prompt "<what to do>"');
      if (resources) io.out([resourcesLine(resources), ...hostQueueLines(resources.hosts)].join('\n'));
      return 0;
    }
    io.out(formatTable(['ID', 'STATE', 'AGENT', 'ATT', 'PR', 'GATES', 'AGE', 'REASON'], tasks.map((t) => row(t, live.get(t.id)))));
    if (resources) io.out([resourcesLine(resources), ...hostQueueLines(resources.hosts)].join('\n'));
    // Which forge the monitor uses and why (e.g. gh not logged in), so it is never a silent choice.
    io.out(forgeLine(await selectForge(fleet)));
    return 0;
  },
};
