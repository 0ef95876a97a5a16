import { GitClient } from '../../engine/index.js';
import { createRunner } from '../../engine/index.js';
import { findRepo } from '../../engine/index.js';
import { initRepo } from '../../engine/index.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../io.js';

export const initCommand: CliCommand = {
  name: 'init',
  summary: 'set up .flotilla/ in this repository (config, MEMORY.md, git exclude)',
  help: `Usage: flotilla init

Creates .flotilla/ at the top of the repository: config.json with every default written out,
MEMORY.md for the orchestrator tier, and a line in .git/info/exclude so flotilla's state is never
committed. Existing files are kept. Safe to run again.`,
  async run(args, io) {
    const { help } = parseCommandArgs('init', args, {}, { max: 0 });
    if (help) return io.out(this.help), 0;
    const git = new GitClient(createRunner());
    const paths = await findRepo(git, io.cwd);
    const result = await initRepo(git, paths);
    for (const f of result.created) io.out(`created ${f}`);
    for (const f of result.kept) io.out(`kept    ${f}`);
    io.out(`flotilla is set up in ${paths.root}. Next: flotilla add "<title>" --prompt "<what to do>"`);
    return 0;
  },
};
