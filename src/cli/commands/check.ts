import { createFleet } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { formatPass } from '../format/monitor.js';
import { EXIT, type CliCommand } from '../io.js';

export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'run one monitoring pass (for cron); exit 3 when something needs you',
  help: `Usage: flotilla check [--json]

Runs one monitoring pass over every task (session alive, commits, clean tree, PR, CI, rebased,
conflicts, reviews), applies what changed (states, failures, PRs, CI runs, notifications once) and
prints what changed and what needs you. Safe while the TUI or \`flotilla watch\` runs.

Exit codes:
  0  nothing needs you
  3  something needs you (a task is ready, escalated, waiting for input, failed beyond retry,
     or its forge is unreachable)
  1  error (the pass could not run, or a task could not be checked and nothing needs you)
  2  usage error (unknown option, not inside a git repository)

With --json prints {"at", "durationMs", "tasks", "forge", "changes": [...], "needsHuman": [...], "errors": [...]}.`,
  async run(args, io) {
    const { values, help } = parseCommandArgs('check', args, { json: { type: 'boolean' } }, { max: 0 });
    if (help) return io.out(this.help), EXIT.ok;
    const fleet = await createFleet({ cwd: io.cwd, oneShot: true });
    try {
      // Follow agents running in tmux so their status is current for this pass.
      await fleet.sessions?.adopt().catch(() => undefined);
      const result = await fleet.dispatch({ type: 'monitor.check' });
      if (values.json) io.out(jsonText(result, 2));
      else io.out(formatPass(result));
      for (const e of result.errors) io.err(`flotilla: check: ${e}`);
      if (result.needsHuman.length) return EXIT.needsHuman;
      return result.errors.length ? EXIT.error : EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
