export {
  attemptBranch,
  attemptWorktreePath,
  createAttemptWorktree,
  removeAttemptWorktree,
  WorkspaceError,
  type CreatedWorktree,
} from './worktrees.js';
export { copyMatchingFiles, runSetupCommands, simpleGlob } from './bootstrap.js';
export {
  detectLockfile,
  isSharedLink,
  linkSharedDependencies,
  sharedStoreRoot,
  watchDependencyChanges,
  type DependencyWatcher,
  type PackageManager,
  type SharedDepsContext,
  type SharedDepsRecord,
} from './shared-deps.js';
