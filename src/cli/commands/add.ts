import { createFleet } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../io.js';

export const addCommand: CliCommand = {
  name: 'add',
  summary: 'add a task',
  help: `Usage: flotilla add <title> (--prompt TEXT | --prompt-file FILE) [options]

Adds a task to the registry and prints its id. The task does not start until \`flotilla start\`
(or the TUI's s key) says so.

Options:
  --prompt TEXT        what the worker agent should do
  --prompt-file FILE   read the prompt from FILE
  --id SLUG            task id (default: a slug made from the title)
  --agent PROFILE      agent profile (default: config "defaultAgent")
  --base BRANCH        branch to start from (default: config "baseBranch", else the current branch)
  --tag TAG            a tag (repeatable); learnings are matched by tags
  --after TASK         wait for TASK to be ready first (repeatable)
  --context FILE       a file handed to the worker as context (repeatable)`,
  async run(args, io) {
    const { values, positionals, help } = parseCommandArgs(
      'add',
      args,
      {
        prompt: { type: 'string' },
        'prompt-file': { type: 'string' },
        id: { type: 'string' },
        agent: { type: 'string' },
        base: { type: 'string' },
        tag: { type: 'string', multiple: true },
        after: { type: 'string', multiple: true },
        context: { type: 'string', multiple: true },
      },
      { min: 1, max: 1, names: '<title>' },
    );
    if (help) return io.out(this.help), 0;
    const fleet = await createFleet({ cwd: io.cwd });
    const task = await fleet.dispatch({
      type: 'task.add',
      input: {
        title: positionals[0]!,
        prompt: values.prompt,
        promptFile: values['prompt-file'],
        id: values.id,
        agent: values.agent,
        base: values.base,
        tags: values.tag,
        after: values.after,
        context: values.context,
      },
    });
    io.out(task.id);
    return 0;
  },
};
