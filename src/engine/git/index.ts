export { GitClient } from './git-client.js';
export { gitArgs } from './commands.js';
export { parseWorktreeList, type WorktreeEntry } from './parse-worktree-list.js';
