import { UsageError } from '../../engine/index.js';
import { createFleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { diffAttempts, parseAttemptRef } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../io.js';

export const diffCommand: CliCommand = {
  name: 'diff',
  summary: 'show the difference between two attempts of a task',
  help: `Usage: flotilla diff <task> [A [B]] [--stat] [--color|--no-color]

Shows \`git diff\` between the branches of attempts A and B of a task (numbers: 1, 2 or a1, a2).
Default: the last two attempts (with one attempt: the base branch against it); with only A:
attempt A against the latest. Coloured when stdout is a terminal.

Options:
  --stat       only the summary of changed files
  --color      colour even when not a terminal
  --no-color   never colour`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs(
      'diff',
      args,
      { stat: { type: 'boolean' }, color: { type: 'boolean' }, 'no-color': { type: 'boolean' } },
      { min: 1, max: 3, names: '<task>' },
    );
    if (help) return io.out(this.help), 0;
    const id = assertTaskId(positionals[0]!, 'task');
    if (values.color && values['no-color']) throw new UsageError('diff: give --color or --no-color, not both');
    const a = positionals[1] !== undefined ? parseAttemptRef(positionals[1]) : undefined;
    const b = positionals[2] !== undefined ? parseAttemptRef(positionals[2]) : undefined;
    const color = values['no-color'] ? false : values.color ? true : io.isTTY && !io.env.NO_COLOR;
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      const d = await diffAttempts(fleet, id, a, b, { color });
      // Colour is flotilla's own (the patch itself went through safeText): written unfiltered.
      if (!values.stat) (color && io.outStyled ? io.outStyled(d.text) : io.out(d.text));
      else io.out(`${d.text.split('\n')[0]}\n${d.stat.trim() ? d.stat : '(no difference)'}`);
      return 0;
    } finally {
      await fleet.close();
    }
  },
};
