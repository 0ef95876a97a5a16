import { createFleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const sendCommand: CliCommand = {
  name: 'send',
  summary: "type text into a task's agent, then Enter",
  help: `Usage: flotilla send <task> <text...> [--no-enter]

Types the text (words joined by spaces) into the agent's terminal and presses Enter, as if you had
typed it. With --no-enter, Enter is not pressed.

Exit codes: 0 sent, 2 no such task, no session, or the agent has exited.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('send', args, { 'no-enter': { type: 'boolean' } }, { min: 2, names: '<task> <text>' });
    if (help) return io.out(this.help), EXIT.ok;
    const [id, ...words] = positionals;
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      await fleet.dispatch({ type: 'task.send', id: id!, text: words.join(' '), enter: !values['no-enter'] });
      return EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
