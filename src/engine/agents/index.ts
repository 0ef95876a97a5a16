export { demoAgentPath, demoAgentProfile } from './demo/profile.js';
export { BUILTIN_PROFILES, profileNames, resolveProfile } from './profiles.js';
export { CLAUDE_HOOK_EVENTS, claudeHookState, claudeSettings } from './claude/hooks.js';
export { codexNotifyArgv, codexNotifyState } from './codex/notify.js';
export { parseClaudeLine, claudeProjectDirName, defaultClaudeDirs } from './claude/usage-log.js';
export { parseCodexLine, newCodexContext, defaultCodexSessionsDir } from './codex/usage-log.js';
export { parseGeminiLine, newGeminiContext, defaultGeminiDirs, geminiProjectHash, type GeminiFileContext } from './gemini/usage-log.js';
export { parseClaudePrintOutput } from './claude/print-output.js';
export { parseCodexPrintOutput } from './codex/print-output.js';
export { parseGeminiPrintOutput } from './gemini/print-output.js';
export type { PrintOutput } from './print-output.js';
export { readPrintOutput, type PrintFormat } from './read-print-output.js';
export {
  absurdTokens,
  tokenCount,
  MAX_LINE_TOKENS,
  type CodexFileContext,
  type LineResult,
  type RunUsage,
  type TokenCounts,
  type UsageRecord,
  type UsageSource,
} from './usage-types.js';
export {
  NO_ENVIRONMENT_MESSAGES,
  type AgentAdapter,
  type AgentKind,
  type EnvironmentMessages,
  type HookRecorder,
  type RecordedEvent,
  type ReviewCommand,
  type StatusEvents,
  type UsageLogReader,
} from './adapter.js';
export { AGENT_ADAPTERS, adapterFor, agentAdapter, environmentMessages, hookEventState } from './registry.js';
export { trustLaunch, type TrustKind, type TrustLaunch } from './trust.js';
