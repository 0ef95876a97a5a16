export { demoAgentPath, demoAgentProfile } from './demo/profile.js';
export { BUILTIN_PROFILES, profileNames, resolveProfile } from './profiles.js';
export { CLAUDE_HOOK_EVENTS, claudeHookState, claudeSettings } from './claude/hooks.js';
export { codexNotifyArgv, codexNotifyState } from './codex/notify.js';
export { headlessTrustEnv, trustLaunch, type TrustKind, type TrustLaunch } from './trust.js';
