import { UsageError } from '../core/index.js';
import type { FlotillaConfig, ProfileConfig, ProfileEntryConfig } from '../core/index.js';
import { ownValue } from '../core/index.js';
import { AGENT_ADAPTERS } from './registry.js';

/**
 * Built-in agent profiles, each from its CLI's adapter (agents/<cli>/adapter.ts). A profile in config with the same name extends the built-in one
 * (see mergeProfile) unless it says `"replace": true`.
 * Placeholders in `command`: {prompt} (full prompt text), {promptFile} (a 0600 file holding it),
 * {model}, {context} (retry context, in appendContext).
 *
 * `patterns` are the status fallback used when the agent's hooks say nothing (regular expressions,
 * case-insensitive, matched against the last lines of output): `waiting` means it asks the human,
 * `working` that it is busy. After `quietMs` without output a session counts as idle.
 */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileConfig>> = Object.fromEntries(
  Object.values(AGENT_ADAPTERS).flatMap((a) => (a.profile ? [[a.kind, a.profile]] : [])),
);

export function profileNames(config: FlotillaConfig): string[] {
  return [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(config.profiles)])].sort();
}

function withArgs(p: ProfileConfig): ProfileConfig {
  if (!p.args?.length) return p;
  const { args, ...rest } = p;
  return { ...rest, command: [...p.command, ...args] };
}

/**
 * A built-in profile extended by a config entry of the same name: `command`, `model`,
 * `appendContext`, `hooks`, `quietMs`, `review` replace the built-in's when given; `args` are added
 * after the command; `env` is merged (config wins per key); each `patterns` list is added to.
 */
export function mergeProfile(base: ProfileConfig, entry: ProfileEntryConfig): ProfileConfig {
  const { replace: _replace, args, env, patterns, command, ...scalars } = entry;
  const out: ProfileConfig = { ...base, ...Object.fromEntries(Object.entries(scalars).filter(([, v]) => v !== undefined)), command: command ?? base.command };
  if (args?.length) out.command = [...out.command, ...args];
  if (env) out.env = { ...base.env, ...env };
  if (patterns) {
    const merged: NonNullable<ProfileConfig['patterns']> = { ...base.patterns };
    for (const key of ['waiting', 'working', 'idle', 'contextExhausted'] as const) {
      if (patterns[key]) merged[key] = [...(base.patterns?.[key] ?? []), ...patterns[key]];
    }
    out.patterns = merged;
  }
  return out;
}

/** The profile called `name`; a UsageError listing the known ones when there is none. */
export function resolveProfile(config: FlotillaConfig, name: string): ProfileConfig {
  const entry = ownValue(config.profiles, name);
  const builtin = ownValue(BUILTIN_PROFILES, name);
  if (entry && builtin && !entry.replace) return mergeProfile(builtin, entry);
  if (entry) {
    if (!entry.command) {
      throw new UsageError(
        `agent profile "${name}" has no "command"${builtin ? ' (with "replace": true it must give one)' : ' (only a profile named like a built-in one may leave it out to extend it)'}`,
      );
    }
    const { replace: _replace, ...rest } = entry;
    return withArgs({ ...rest, command: entry.command });
  }
  if (!builtin) {
    throw new UsageError(`unknown agent profile "${name}" (known: ${profileNames(config).join(', ')})`);
  }
  return builtin;
}
