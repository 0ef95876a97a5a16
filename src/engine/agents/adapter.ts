import type { ProfileConfig, SessionState } from '../core/index.js';
import type { PrintOutput } from './print-output.js';
import type { TrustLaunch } from './trust-types.js';

/**
 * One agent CLI as flotilla knows it. Every piece of CLI-specific knowledge sits in the CLI's own
 * folder (`agents/<kind>/`) behind this one shape; `sessions/`, `cost/`, `review/` and `recovery/`
 * ask the adapter instead of knowing a CLI themselves (docs/agents.md lists where each piece lives).
 */
export type AgentKind = 'claude' | 'codex' | 'gemini' | 'aider' | 'demo' | 'custom';

/** How the CLI's own events reach flotilla: the recorder's argv per event, the stop gate's argv. */
export interface HookRecorder {
  /** argv that appends one event line to the task's events file (sessions/hook-recorder.ts). */
  argv(event: string): string[];
  /** argv of `flotilla gate <task> --local` when the stop gate is on (config stopGate.enabled). */
  stopGate?: readonly string[];
}

/** One line the recorder wrote: the event name and what it said. */
export interface RecordedEvent {
  event: string;
  message?: string;
  kind?: string;
}

/** Native status events: the argv that makes the CLI report them, and what each one means. */
export interface StatusEvents {
  launchArgv(recorder: HookRecorder): string[];
  /**
   * The state a recorded event means, null when it says nothing about state, undefined when the
   * event is not this CLI's (the next adapter is asked).
   */
  stateOf(event: RecordedEvent): SessionState | null | undefined;
}

/** Where the CLI writes its usage logs (the cost ledger reads them with the CLI's line parser). */
export interface UsageLogReader {
  /** The folders to look in for this environment (the CLI's defaults, or its variable). */
  dirs(env: Record<string, string | undefined>): string[];
  /** The environment variable that moves them (a profile's `env` may set it). */
  envVar: string;
}

/** The non-interactive review command and which print output it gives. */
export interface ReviewCommand {
  command: readonly string[];
  output: 'claude-json' | 'codex-jsonl' | 'text' | 'auto';
  /**
   * Environment that trusts the worktree for this headless run (config trustWorktrees): a run
   * without a screen cannot answer a trust dialog. Gemini CLI 0.61's `-p` refuses a folder it does
   * not trust (exit 55); Claude Code's `-p` and Codex's `exec` do not ask.
   */
  trustEnv?: Readonly<Record<string, string>>;
}

/**
 * Messages by which a CLI says its environment failed rather than the task: no network, not
 * logged in or a bad key. Matched against its screen or log tail, one line quoted.
 */
export interface EnvironmentMessages {
  network: readonly RegExp[];
  auth: readonly RegExp[];
}

export interface AgentAdapter {
  kind: AgentKind;
  /**
   * The built-in profile: launch argv with its placeholders, `appendContext` (how retry context
   * reaches the agent), the hooks and trust kinds, screen dialogs and patterns. Null when the
   * profile comes from config (custom) or from the repository's paths (demo).
   */
  profile: ProfileConfig | null;
  statusEvents: StatusEvents | null;
  /** Starts the CLI in a flotilla worktree without its "trust this folder" dialog. */
  trust: ((worktree: string, env: Record<string, string | undefined>) => Promise<TrustLaunch>) | null;
  usageLog: UsageLogReader | null;
  /** Reads what a non-interactive run printed: answer and usage (agents/<kind>/print-output.ts). */
  printOutput: ((text: string, model: string) => PrintOutput | null) | null;
  review: ReviewCommand | null;
  environment: EnvironmentMessages;
}

export const NO_ENVIRONMENT_MESSAGES: EnvironmentMessages = { network: [], auth: [] };
