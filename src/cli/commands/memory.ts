import { existsSync } from 'node:fs';
import { createRunner } from '../../engine/index.js';
import { writeFileAtomic } from '../../engine/index.js';
import { GitClient } from '../../engine/index.js';
import { MEMORY_TEMPLATE } from '../../engine/index.js';
import { findRepo } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import { openInEditor } from '../editor/open-editor.js';
import type { CliCommand } from '../io.js';

export const memoryCommand: CliCommand = {
  name: 'memory',
  summary: 'open .flotilla/MEMORY.md (strategy and learned patterns) in $EDITOR',
  help: `Usage: flotilla memory [--print]

MEMORY.md holds what the orchestrator tier knows across tasks: strategy, what works, what failed,
and one sentence per learning flotilla records after a successful enriched retry. Workers never
get it whole. Opens it in $VISUAL / $EDITOR (created from the template when missing).

Options:
  --print   print the file instead of opening an editor`,
  async run(args, io) {
    const { values, help } = parseCommandArgs('memory', args, { print: { type: 'boolean' } }, { max: 0 });
    if (help) return io.out(this.help), 0;
    const paths = await findRepo(new GitClient(createRunner()), io.cwd);
    if (!existsSync(paths.memoryFile)) await writeFileAtomic(paths.memoryFile, MEMORY_TEMPLATE);
    if (values.print) {
      const { readFile } = await import('node:fs/promises');
      io.out(await readFile(paths.memoryFile, 'utf8'));
      return 0;
    }
    return openInEditor(paths.memoryFile, io.env);
  },
};
