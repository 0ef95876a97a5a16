import { createFleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { safeStyledText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const captureCommand: CliCommand = {
  name: 'capture',
  summary: "print a task's current agent screen",
  help: `Usage: flotilla capture <task> [--ansi]

Prints the agent's current screen as text, like \`tmux capture-pane -p\`: one line per row,
trailing blank rows dropped. With --ansi, colours and styles are kept as SGR escape sequences.
Works from any process with the tmux runtime; with the pty runtime only inside the process that
runs the agent.

Exit codes: 0 printed, 2 no such task or no session.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('capture', args, { ansi: { type: 'boolean' } }, { min: 1, max: 1, names: '<task>' });
    if (help) return io.out(this.help), EXIT.ok;
    const id = assertTaskId(positionals[0]!);
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      if (!fleet.store.getState().tasks.some((t) => t.id === id)) {
        io.err(`flotilla: no task "${id}" (see \`flotilla status\`)`);
        return EXIT.usage;
      }
      const text = await fleet.sessions!.capture(id, { ansi: Boolean(values.ansi) });
      // The screen is rebuilt from the terminal emulator's cells: its only escape sequences are the
      // SGR flotilla writes for --ansi (the cells hold printable text only).
      if (text) (values.ansi && io.outStyled ? io.outStyled(safeStyledText(text)) : io.out(text));
      return EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
