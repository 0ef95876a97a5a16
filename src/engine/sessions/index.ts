export type { SessionManager, ScreenSnapshot, StartSessionInput, AttachOptions, AttachOutcome } from '../core/index.js';
export {
  createSessionManager,
  chooseRuntime,
  type SessionManagerContext,
  type SessionManagerOptions,
} from './manager.js';
export { buildAgentArgv, validateProfileArgv, PLACEHOLDERS, type PlaceholderValues } from './argv.js';
export { detachSequences } from './attach.js';
export { claudeSettingsJson, hookArgv, stateForHookEvent, type HookEvent } from './hooks.js';
export { classifyScreen, compilePatterns, plainText, DEFAULT_QUIET_MS } from './status-tracker.js';
export { tmuxSocketName, TMUX_CONF } from './tmux.js';
export { findExecutable } from './which.js';
export { hookEventsFile, attemptLogFile, promptFile } from './launch-spec.js';
export { agentOverheadMB } from './log-pipe.js';
export { markWatching, liveWatchers, ageOfFileSec, sessionStateLabel } from './watchers.js';
export { LiveScreen, SCROLLBACK_LINES } from './live-screen.js';
export { gateSpecText, hostHookFiles, hostHookScript, HOST_HOOK_FILE } from './host-hooks.js';
