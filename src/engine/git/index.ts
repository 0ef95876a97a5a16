export { GitClient } from './git-client.js';
export { gitArgs } from './commands.js';
export { parseWorktreeList, type WorktreeEntry } from './parse-worktree-list.js';
export { findRepo } from './find-repo.js';
export { parseStatusV2 } from './parse-git.js';
export { conflictsWith, probeAttempt, readBranchTips, type AttemptProbe, type ConflictCache } from './probe.js';
