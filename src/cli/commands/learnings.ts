import { createRunner } from '../../engine/index.js';
import { GitClient } from '../../engine/index.js';
import { readLearnings } from '../../engine/index.js';
import { findRepo } from '../../engine/index.js';
import { jsonText } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../io.js';

export const learningsCommand: CliCommand = {
  name: 'learnings',
  summary: 'list what enriched retries taught (.flotilla/learnings.jsonl)',
  help: `Usage: flotilla learnings [--json]

Lists the learnings flotilla recorded: one per task whose enriched retry reached ready, with the
failure class it recovered from, what the retry was given, the task's tags and the paths it
touched. New tasks whose tags or paths match get the matching sentences in their prompt.

Options:
  --json   print {"learnings": [...]} (one object per line of learnings.jsonl)`,
  async run(args, io) {
    const { values, help } = parseCommandArgs('learnings', args, { json: { type: 'boolean' } }, { max: 0 });
    if (help) return io.out(this.help), 0;
    const paths = await findRepo(new GitClient(createRunner()), io.cwd);
    const learnings = await readLearnings(paths.learningsFile);
    if (values.json) {
      io.out(jsonText({ learnings }, 2));
      return 0;
    }
    if (!learnings.length) {
      io.out('no learnings yet (they are recorded when an enriched retry reaches ready)');
      return 0;
    }
    for (const l of learnings) {
      const tags = l.tags.length ? ` tags: ${l.tags.join(', ')}` : '';
      io.out(`${l.at.slice(0, 10)}  ${l.taskId}  ${l.class}  [${l.enrichment.join(', ')}]${tags}\n    ${l.sentence}`);
    }
    return 0;
  },
};
