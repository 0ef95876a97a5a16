import { createFleet } from '../../engine/index.js';
import { UsageError } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { noteIntervention } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const attachCommand: CliCommand = {
  name: 'attach',
  summary: "connect your terminal to a task's agent (Ctrl-] detaches)",
  help: `Usage: flotilla attach <task> [--detach-key KEY]

Connects this terminal to the agent: what you type goes to the agent, what it prints comes here.
The detach key (config "detachKey", default C-], i.e. Ctrl-]) gives the terminal back; the agent
keeps running. Terminals that send keys in CSI-u form are understood too.

Exit codes: 0 detached or the agent exited, 2 not a terminal, no such task or no session.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('attach', args, { 'detach-key': { type: 'string' } }, { min: 1, max: 1, names: '<task>' });
    if (help) return io.out(this.help), EXIT.ok;
    const id = assertTaskId(positionals[0]!);
    if (!process.stdin.isTTY || !process.stdout.isTTY) throw new UsageError('attach needs a terminal (stdin and stdout must be a TTY)');
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      const detachKey = values['detach-key'] ?? fleet.config.detachKey;
      // Attaching to a live agent is a human intervention (cost effort); to an exited one it is not.
      if (await fleet.sessions!.isAlive(id)) await noteIntervention(fleet, id, 'attach');
      const outcome = await fleet.sessions!.attach(id, { stdin: process.stdin, stdout: process.stdout, detachKey });
      if (outcome.reason === 'detached') io.out(`detached from ${id} (it keeps running)`);
      else io.out(`${id}: the agent exited (code ${outcome.exitCode ?? 'signal'})`);
      return EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
