// The engine's public face. UI-free: nothing here may import ink, react or src/ui.
export * from './errors.js';
export * from './fleet/index.js';
export * from './config/index.js';
export * from './tasks/index.js';
export { initRepo, MEMORY_TEMPLATE } from './init.js';
export { findRepo, repoPaths, worktreeRootFor, type RepoPaths } from './repo.js';
export { createRunner, type Runner, type RunResult, type RunOptions } from './exec/runner.js';
export { GitClient } from './git/index.js';
export { isTaskId, assertTaskId, slugify } from './ids.js';
export * from './sessions/index.js';
export * from './builds/index.js';
