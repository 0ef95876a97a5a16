import { createFleet } from '../../engine/fleet/create-fleet.js';
import type { Task } from '../../engine/tasks/schema.js';
import { parseCommandArgs } from '../args.js';
import { age, formatTable } from '../format/table.js';
import type { CliCommand } from '../io.js';

const GATE_GLYPH = { pass: '✓', fail: '✗', pending: '…', skip: '-' } as const;

/** The JSON shape of one task in `status --json` (documented in README). */
export function taskView(task: Task) {
  return {
    id: task.id,
    title: task.title,
    agent: task.agent,
    base: task.base,
    state: task.state,
    stateSince: task.stateSince,
    reason: task.reason,
    tags: task.tags,
    after: task.after,
    attempts: task.attempts.map((a) => ({
      n: a.n,
      branch: a.branch,
      worktree: a.worktree,
      startPoint: a.startPoint,
      state: a.state,
      session: a.session,
      failure: a.failure,
      ciRounds: a.ciRounds,
      enrichment: a.enrichment ? { kinds: a.enrichment.kinds } : null,
    })),
    escalation: (task as { escalation?: unknown }).escalation ?? null,
    gates: task.gates,
    pr: task.pr,
    cost: task.cost,
    createdAt: task.createdAt,
    updatedAt: task.updatedAt,
  };
}

function row(task: Task): string[] {
  const last = task.attempts.at(-1);
  const gates = Object.entries(task.gates)
    .map(([name, g]) => `${name}${GATE_GLYPH[g.state]}`)
    .join(' ');
  return [
    task.id,
    task.state + (last?.session ? `/${last.session.state}` : ''),
    task.agent,
    String(task.attempts.length),
    task.pr ? `#${task.pr.number}` : '-',
    gates || '-',
    age(task.stateSince),
    task.reason ?? '',
  ];
}

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'show every task (a table, or JSON with --json)',
  help: `Usage: flotilla status [--json]

Prints one row per task: id, state (and session status), agent, attempts, PR, gates, time in
state and reason. With --json prints {"tasks": [...]} (schema in README).`,
  async run(args, io) {
    const { values, help } = parseCommandArgs('status', args, { json: { type: 'boolean' } }, { max: 0 });
    if (help) return io.out(this.help), 0;
    const fleet = await createFleet({ cwd: io.cwd });
    const { tasks, error } = fleet.store.getState();
    if (error) throw new Error(error);
    if (values.json) {
      io.out(JSON.stringify({ tasks: tasks.map(taskView) }, null, 2));
      return 0;
    }
    if (tasks.length === 0) {
      io.out('no tasks yet: flotilla add "<title>" --prompt "<what to do>"');
      return 0;
    }
    io.out(formatTable(['ID', 'STATE', 'AGENT', 'ATT', 'PR', 'GATES', 'AGE', 'REASON'], tasks.map(row)));
    return 0;
  },
};
