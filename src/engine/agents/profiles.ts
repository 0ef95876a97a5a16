import { UsageError } from '../errors.js';
import type { FlotillaConfig, ProfileConfig } from '../config/schema.js';

/**
 * Built-in agent profiles. A profile in config with the same name replaces the built-in one.
 * Placeholders in `command`: {prompt} (full prompt text), {promptFile} (a 0600 file holding it),
 * {model}.
 */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileConfig>> = {
  claude: {
    command: ['claude', '{prompt}'],
    appendContext: ['--append-system-prompt', '{context}'],
    hooks: 'claude',
  },
  codex: {
    command: ['codex', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'codex',
  },
  gemini: {
    command: ['gemini', '-i', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'none',
  },
  aider: {
    command: ['aider', '--message-file', '{promptFile}'],
    appendContext: 'prompt',
    hooks: 'none',
  },
};

export function profileNames(config: FlotillaConfig): string[] {
  return [...new Set([...Object.keys(BUILTIN_PROFILES), ...Object.keys(config.profiles)])].sort();
}

/** The profile called `name`; a UsageError listing the known ones when there is none. */
export function resolveProfile(config: FlotillaConfig, name: string): ProfileConfig {
  const profile = config.profiles[name] ?? BUILTIN_PROFILES[name];
  if (!profile) {
    throw new UsageError(`unknown agent profile "${name}" (known: ${profileNames(config).join(', ')})`);
  }
  return profile;
}
