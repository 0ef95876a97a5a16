import { createFleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';
import { SELECTION_HELP, SELECTION_OPTIONS, forEachTask, reportOutcomes, selectTasks } from '../task-selection.js';

/** Agents stopped at once: each waits up to 3 s for its process group, so 50 take seconds, not minutes. */
const STOP_CONCURRENCY = 16;

/** "stopped a1", or for a finished task whose agent was closed, "stopped a1's agent (a1 stays ready)". */
function stoppedLine(id: string, state: string | undefined): string {
  return state === 'stopped' || !state ? `stopped ${id}` : `stopped ${id}'s agent (${id} stays ${state})`;
}

export const stopCommand: CliCommand = {
  name: 'stop',
  summary: "stop tasks' agents (a running task becomes stopped; ready and escalated ones keep their state)",
  help: `Usage: flotilla stop <task...> | --all | --state S | --tag T

Ends each task's agent: SIGTERM to its process group, SIGKILL after 3 seconds if anything is left,
then its tmux session is removed. The worktree stays; \`flotilla start <task>\` starts it again.
A working task becomes stopped; a ready task stays ready and an escalated one stays escalated (and
in "needs you"): closing a finished agent only frees the machine. Several agents are stopped in
parallel (${STOP_CONCURRENCY} at a time), their new states written to the registry at once; one line
each, then a summary.

${SELECTION_HELP}

Exit codes: 0 all stopped, 2 a task does not exist (or has no session and is already stopped),
1 another failure.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('stop', args, SELECTION_OPTIONS);
    if (help) return io.out(this.help), EXIT.ok;
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      const ids = selectTasks('stop', fleet.store.getState().tasks, { ids: positionals, ...values });
      if (ids.length === 0) return io.err('flotilla: stop: no task matches'), EXIT.ok;
      if (ids.length === 1) {
        return await forEachTask(io, 'stopped', ids, 1, async (id) => {
          await fleet.dispatch({ type: 'task.stop', id });
          return { line: stoppedLine(id, fleet.store.getState().tasks.find((t) => t.id === id)?.state) };
        });
      }
      // Several: the agents end in parallel and the registry is written once for all of them.
      const outcomes = await fleet.dispatch({ type: 'task.stop-many', ids, concurrency: STOP_CONCURRENCY });
      return reportOutcomes(io, 'stopped', outcomes.map((o) => (o.ok ? { id: o.id, line: stoppedLine(o.id, o.state) } : { id: o.id, error: o.error ?? 'failed', usage: o.usage ?? false })));
    } finally {
      await fleet.close();
    }
  },
};
