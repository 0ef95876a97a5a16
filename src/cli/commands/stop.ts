import { createFleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const stopCommand: CliCommand = {
  name: 'stop',
  summary: "stop a task's agent (the task becomes stopped)",
  help: `Usage: flotilla stop <task>

Ends the task's agent: SIGTERM to its process group, SIGKILL after 3 seconds if anything is left,
then its tmux session is removed. The worktree stays; \`flotilla start <task>\` starts it again.

Exit codes: 0 stopped, 2 no such task (or it has no session and is already stopped).`,
  async run(args, io) {
    const { positionals, help } = parseCommandArgs('stop', args, {}, { min: 1, max: 1, names: '<task>' });
    if (help) return io.out(this.help), EXIT.ok;
    const id = positionals[0]!;
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      await fleet.dispatch({ type: 'task.stop', id });
      io.out(`stopped ${id}`);
      return EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
