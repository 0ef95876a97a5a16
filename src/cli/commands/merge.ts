import { createFleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { EXIT, type CliCommand } from '../io.js';

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: 'merge ready PRs one at a time (the merge train)',
  help: `Usage: flotilla merge [<task>...] [--json]

Merges the PRs of ready tasks into their base, one at a time, in the order given (or, with no task
named, every ready task in the recommended order: the one ready first, a task that conflicts with a
ready sibling after that sibling).

Local forge: before each merge, a PR whose branch no longer contains its base (a sibling was just
merged) is brought up to date (the base merged into its branch) and its checks run again there.
The first conflict or failing check stops the train: that task fails with the sibling named and
goes through recovery (a retry told what conflicts with what, or escalation past the cap); the
rest are left as they are. GitHub forge: \`gh pr merge --merge\` for each PR in the same order (gh
puts it in the merge queue where the repository has one).

Nothing is merged unless you run this (or press the merge key in the view).

Exit codes: 0 all merged, 1 error, 2 bad usage (a task not ready, no open PR), 3 the train stopped
at a failure.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('merge', args, { json: { type: 'boolean' } }, { min: 0, max: 100, names: '[<task>...]' });
    if (help) return io.out(this.help), 0;
    const ids = positionals.map((p) => assertTaskId(p, 'task'));
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      const result = await fleet.dispatch({ type: 'task.merge', ids });
      if (values.json) io.out(JSON.stringify(result, null, 2));
      else for (const s of result.steps) io.out(`${s.taskId}: ${s.outcome}: ${s.detail}`);
      return result.stoppedAt ? EXIT.needsHuman : EXIT.ok;
    } finally {
      await fleet.close();
    }
  },
};
