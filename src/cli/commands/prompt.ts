import { createFleet } from '../../engine/index.js';
import { assertTaskId } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../io.js';

export const promptCommand: CliCommand = {
  name: 'prompt',
  summary: 'preview the prompt a task\'s next attempt gets',
  help: `Usage: flotilla prompt <task> [--json]

Prints what the worker of the task's next (or pending) attempt will be given, part by part: the task
brief, the context files named with --context, learnings from earlier tasks that match its tags or
paths, the definition of done (from the gates config), and on a retry the enrichment. With --json
prints {"prompt", "extraContext", "parts": [{"kind","title","text"}], "learnings": [...]}.`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs('prompt', args, { json: { type: 'boolean' } }, { min: 1, max: 1, names: '<task>' });
    if (help) return io.out(this.help), 0;
    const id = assertTaskId(positionals[0]!, 'task');
    const fleet = await createFleet({ cwd: io.cwd });
    try {
      const composed = await fleet.dispatch({ type: 'task.prompt', id });
      if (values.json) {
        io.out(jsonText(composed, 2));
        return 0;
      }
      const out: string[] = [];
      for (const part of composed.parts) {
        out.push(`── ${part.title} (${part.kind}) ${'─'.repeat(Math.max(0, 60 - part.title.length))}`, part.text, '');
      }
      if (composed.learnings.length) out.push(`${composed.learnings.length} learning(s) added from: ${composed.learnings.map((l) => l.taskId).join(', ')}`);
      else out.push('no learnings matched this task');
      if (composed.extraContext) out.push('the enrichment goes to the agent as extra system context (profile appendContext)');
      io.out(out.join('\n'));
      return 0;
    } finally {
      await fleet.close();
    }
  },
};
