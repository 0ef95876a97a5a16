export {
  attemptBranch,
  attemptWorktreePath,
  createAttemptWorktree,
  removeAttemptWorktree,
  WorkspaceError,
  type CreatedWorktree,
} from './worktrees.js';
export { copyMatchingFiles, runSetupCommands, simpleGlob } from './bootstrap.js';
export { prepareAttempt, discardAttemptWorktree, type PrepareAttemptContext, type AttemptPlace, type PreparedAttempt } from './prepare-attempt.js';
export {
  detectLockfile,
  isSharedLink,
  linkSharedDependencies,
  sharedStoreRoot,
  type PackageManager,
  type SharedDepsContext,
  type SharedDepsRecord,
} from './shared-deps.js';
export { watchDependencyChanges, type DependencyWatcher, type WatchOptions } from './dependency-watcher.js';
export { attemptPreparation, createDependencyFollower, setUpSharedDependencies } from './shared-deps-wiring.js';
