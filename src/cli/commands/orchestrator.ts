import { createFleet } from '../../engine/index.js';
import { ORCHESTRATOR_ID, prepareOrchestrator } from '../../engine/index.js';
import { flotillaBin } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const orchestratorCommand: CliCommand = {
  name: 'orchestrator',
  summary: 'start a coordinator agent that runs the fleet through this CLI',
  help: `Usage: flotilla orchestrator [--agent PROFILE]

Starts a coordinator agent session (task id "orchestrator") in the main checkout. Its instructions
describe the flotilla CLI (add, start, status --json, check, capture, send, retry, review, prompt,
cost) and .flotilla/MEMORY.md, so an agent can run the fleet with the same commands a human uses;
workers still get only their own task prompts. It is shown pinned on top in the fleet view; attach,
send, capture and stop work on it like on any task. The monitor does not check it (no PR, no gates).
Running it again restarts it with fresh instructions (stop it first if it is running).`,
  async run(args, io) {
    const { values, help } = parseCommandArgs('orchestrator', args, { agent: { type: 'string' } }, { max: 0 });
    if (help) return io.out(this.help), EXIT.ok;
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      const bin = flotillaBin();
      const alive = await fleet.sessions?.isAlive(ORCHESTRATOR_ID);
      if (alive) {
        io.err(`flotilla: the orchestrator is already running (flotilla attach ${ORCHESTRATOR_ID}, or flotilla stop ${ORCHESTRATOR_ID})`);
        return EXIT.usage;
      }
      await prepareOrchestrator(fleet, { ...(values.agent ? { agent: values.agent } : {}), bin });
      const info = await fleet.dispatch({ type: 'task.start', id: ORCHESTRATOR_ID });
      io.out(`orchestrator started (${info.runtime ?? 'session'}${info.pid ? `, pid ${info.pid}` : ''}); flotilla attach ${ORCHESTRATOR_ID} to talk to it`);
      if (fleet.sessions?.runtime === 'pty') {
        io.out('(pty runtime: the orchestrator lives as long as this command; use the tmux runtime to leave it running)');
        while (await fleet.sessions.isAlive(ORCHESTRATOR_ID)) await new Promise((r) => setTimeout(r, 1000));
      }
      return EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
