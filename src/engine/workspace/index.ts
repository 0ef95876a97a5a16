export {
  attemptBranch,
  attemptWorktreePath,
  createAttemptWorktree,
  removeAttemptWorktree,
  WorkspaceError,
  type CreatedWorktree,
} from './worktrees.js';
export { copyMatchingFiles, runSetupCommands, simpleGlob } from './bootstrap.js';
