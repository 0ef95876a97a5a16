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
export { attemptEnv, composeProjectName, holdsSlot, acquireAttemptSlot, releaseAttemptSlot, releaseEndedSlots, type SlotContext } from './attempt-env.js';
export { bootstrapAttempt, refreshAttemptSlot, slotFields, teardownAttempt, type AttemptSlotFields, type BootstrapContext } from './bootstrap-attempt.js';
export { acquireSlot, releaseSlot, defaultSlotsFile, portIsFree, type SlotGrant, type SlotRequest } from './port-slots.js';
export { fillPlaceholders, parseRenderEntry, renderTemplates } from './render.js';
export { copyWorktreeIncludes, worktreeIncludes, WORKTREE_INCLUDE } from './worktree-include.js';
export { baseRef, fetchBranchesFromHost, fetchFromHost, hostForAttempt, hostGit, hostPlace, pushCommitToHost, pushToMirror, startRef } from './remote-attempt.js';
