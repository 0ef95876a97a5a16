import { createFleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';
import { SELECTION_HELP, SELECTION_OPTIONS, forEachTask, selectTasks } from '../task-selection.js';

/** Agents stopped at once: each waits up to 3 s for its process group, so 50 take seconds, not minutes. */
const STOP_CONCURRENCY = 16;

export const stopCommand: CliCommand = {
  name: 'stop',
  summary: "stop tasks' agents (a running task becomes stopped; ready and escalated ones keep their state)",
  help: `Usage: flotilla stop <task...> | --all | --state S | --tag T

Ends each task's agent: SIGTERM to its process group, SIGKILL after 3 seconds if anything is left,
then its tmux session is removed. The worktree stays; \`flotilla start <task>\` starts it again.
A working task becomes stopped; a ready task stays ready and an escalated one stays escalated (and
in "needs you"): closing a finished agent only frees the machine. Several agents are stopped in
parallel (${STOP_CONCURRENCY} at a time), one line each, then a summary.

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
      return await forEachTask(io, 'stopped', ids, STOP_CONCURRENCY, async (id) => {
        await fleet.dispatch({ type: 'task.stop', id });
        const state = fleet.store.getState().tasks.find((t) => t.id === id)?.state;
        return { line: state === 'stopped' || !state ? `stopped ${id}` : `stopped ${id}'s agent (${id} stays ${state})` };
      });
    } finally {
      await fleet.close();
    }
  },
};
