import { createFleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../io.js';

export const rmCommand: CliCommand = {
  name: 'rm',
  summary: 'remove a task (and its worktrees and branches)',
  help: `Usage: flotilla rm <task> [--keep-worktrees]

Removes the task from the registry. Its agent session is stopped, its hook events and prompt
files under .flotilla/ are deleted, and so are its attempt worktrees, flotilla/<task>-a<N>
branches, logs and check outputs unless --keep-worktrees is given.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs(
      'rm',
      args,
      { 'keep-worktrees': { type: 'boolean' } },
      { min: 1, max: 1, names: '<task>' },
    );
    if (help) return io.out(this.help), 0;
    const id = assertTaskId(positionals[0]!, 'task');
    const fleet = await createFleet({ cwd: io.cwd });
    const errors: string[] = [];
    const off = fleet.events.on((e) => {
      if (e.type === 'error') errors.push(e.message);
    });
    await fleet.dispatch({ type: 'task.remove', id, keepWorktrees: values['keep-worktrees'] ?? false });
    off();
    for (const e of errors) io.err(`flotilla: warning: ${e}`);
    io.out(`removed ${id}`);
    await fleet.close();
    return 0;
  },
};
