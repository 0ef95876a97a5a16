import { createFleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';
import { SELECTION_HELP, SELECTION_OPTIONS, reportOutcomes, selectTasks } from '../task-selection.js';

export const rmCommand: CliCommand = {
  name: 'rm',
  summary: 'remove a task (and its worktrees and branches)',
  help: `Usage: flotilla rm <task...> | --all | --state S | --tag T  [--keep-worktrees]

Removes the task from the registry. Its agent session is stopped, its hook events and prompt
files under .flotilla/ are deleted, and so are its attempt worktrees, flotilla/<task>-a<N>
branches, logs and check outputs unless --keep-worktrees is given.

${SELECTION_HELP}

Exit codes: 0 all removed, 2 a task does not exist, 1 another failure.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs(
      'rm',
      args,
      { 'keep-worktrees': { type: 'boolean' }, ...SELECTION_OPTIONS },
    );
    if (help) return io.out(this.help), 0;
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      const ids = selectTasks('rm', fleet.store.getState().tasks, { ids: positionals, all: values.all, state: values.state, tag: values.tag });
      if (ids.length === 0) return io.err('flotilla: rm: no task matches'), EXIT.ok;
      const off = fleet.events.on((e) => {
        if (e.type === 'error') io.err(`flotilla: warning: ${e.message}`);
      });
      // Each task's worktrees go in turn (git prunes one at a time); the registry is written once.
      const outcomes = await fleet.dispatch({ type: 'task.remove-many', ids, keepWorktrees: values['keep-worktrees'] ?? false });
      const code = reportOutcomes(io, 'removed', outcomes.map((o) => (o.ok ? { id: o.id, line: `removed ${o.id}` } : { id: o.id, error: o.error ?? 'failed', usage: o.usage ?? false })));
      off();
      return code;
    } finally {
      await fleet.close();
    }
  },
};
