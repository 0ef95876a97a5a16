import type { ProfileConfig, SessionState } from '../core/index.js';
import { ownValue } from '../core/index.js';
import type { AgentAdapter, AgentKind, EnvironmentMessages, RecordedEvent } from './adapter.js';
import { aiderAdapter } from './aider/adapter.js';
import { claudeAdapter } from './claude/adapter.js';
import { codexAdapter } from './codex/adapter.js';
import { customAdapter } from './custom/adapter.js';
import { demoAdapter } from './demo/adapter.js';
import { geminiAdapter } from './gemini/adapter.js';

/** The adapters flotilla ships, by kind (config-defined agents get customAdapter). */
export const AGENT_ADAPTERS: Readonly<Record<Exclude<AgentKind, 'custom'>, AgentAdapter>> = {
  claude: claudeAdapter,
  codex: codexAdapter,
  gemini: geminiAdapter,
  aider: aiderAdapter,
  demo: demoAdapter,
};

/** The built-in adapter of a kind (a profile's `hooks` or `trust` value), or null ("none", unknown). */
export function agentAdapter(kind: string | undefined): AgentAdapter | null {
  return kind ? (ownValue(AGENT_ADAPTERS, kind) ?? null) : null;
}

/**
 * The adapter of the agent profile called `name`: the built-in one when the profile is a built-in
 * (extended or not) still running that CLI's program; otherwise a custom adapter built from the
 * profile (which borrows the hooks and trust it names).
 */
export function adapterFor(name: string, profile: ProfileConfig): AgentAdapter {
  const builtin = agentAdapter(name);
  if (builtin?.profile && profile.command[0] === builtin.profile.command[0]) return builtin;
  return customAdapter(profile, agentAdapter);
}

/** The session state a recorded hook event means (the CLI it came from decides), or null. */
export function hookEventState(e: RecordedEvent): SessionState | null {
  for (const adapter of Object.values(AGENT_ADAPTERS)) {
    const state = adapter.statusEvents?.stateOf(e);
    if (state !== undefined) return state;
  }
  return null;
}

/** Every built-in CLI's environment-failure messages, per reason (recovery matches a tail against them). */
export function environmentMessages(): EnvironmentMessages {
  const all = Object.values(AGENT_ADAPTERS);
  const unique = (list: RegExp[]) => [...new Map(list.map((r) => [r.toString(), r])).values()];
  return {
    network: unique(all.flatMap((a) => [...a.environment.network])),
    auth: unique(all.flatMap((a) => [...a.environment.auth])),
  };
}
