import { createFleet } from '../../engine/index.js';
import { UsageError, errorMessage } from '../../engine/index.js';
import { runStopGate } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const gateCommand: CliCommand = {
  name: 'gate',
  summary: 'the stop gate for Claude Code hooks: run fast local gates',
  help: `Usage: flotilla gate <task> --local

Runs the fast local gates of the task's latest attempt in its worktree: uncommitted changes, the
custom gates marked "local": true, then the config checks. Made for a Claude Code Stop hook:
  exit 0  every local gate passed, or stopGate.maxBlocks blocks were already used for this
          attempt (the stop goes ahead and the monitor takes over)
  exit 2  a gate failed: the failure text is printed on stderr and the agent keeps working
  exit 1  error (unknown task, task not started)`,
  async run(args, io) {
    // Exit 2 means "block the stop" to Claude Code, so every error here exits 1 instead.
    try {
      const { values, positionals, help } = parseCommandArgs('gate', args, { local: { type: 'boolean' } }, { min: 1, max: 1, names: '<task>' });
      if (help) return io.out(this.help), EXIT.ok;
      if (!values.local) throw new UsageError('gate: only the local stop gate exists: flotilla gate <task> --local');
      const id = assertTaskId(positionals[0]!);
      const fleet = await createFleet({ cwd: io.cwd });
      try {
        const result = await runStopGate(fleet, id);
        if (result.decision === 'block') {
          io.err(result.text);
          return EXIT.usage; // 2: Claude Code blocks the stop and hands stderr to the agent
        }
        io.out(result.text);
        return EXIT.ok;
      } finally {
        await fleet.close();
      }
    } catch (err) {
      io.err(`flotilla: ${errorMessage(err).split('\n')[0]}`);
      return EXIT.error;
    }
  },
};
