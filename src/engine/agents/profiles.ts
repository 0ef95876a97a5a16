import { UsageError } from '../core/index.js';
import type { FlotillaConfig, ProfileConfig } from '../core/index.js';

/**
 * Built-in agent profiles. A profile in config with the same name replaces the built-in one.
 * Placeholders in `command`: {prompt} (full prompt text), {promptFile} (a 0600 file holding it),
 * {model}, {context} (retry context, in appendContext).
 *
 * `patterns` are the status fallback used when the agent's hooks say nothing (regular expressions,
 * case-insensitive, matched against the last lines of output): `waiting` means it asks the human,
 * `working` that it is busy. After `quietMs` without output a session counts as idle.
 */
export const BUILTIN_PROFILES: Readonly<Record<string, ProfileConfig>> = {
  claude: {
    command: ['claude', '{prompt}'],
    appendContext: ['--append-system-prompt', '{context}'],
    hooks: 'claude',
    patterns: {
      waiting: ['Do you want to (proceed|make this edit|create|run)', 'Do you trust the files', '❯\\s*1\\.\\s*Yes', 'Would you like to'],
      working: ['esc to interrupt'],
      contextExhausted: ['Context low', 'Prompt is too long', 'context window'],
    },
  },
  codex: {
    command: ['codex', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'codex',
    patterns: {
      waiting: ['Allow command\\?', 'Would you like to run', 'approve this', '\\[y/N\\]', 'Press enter to continue', 'Sign in with ChatGPT', 'allow Codex to work in this folder'],
      working: ['esc to interrupt', 'Working \\('],
      contextExhausted: ['context window', 'exceeds the context'],
    },
  },
  gemini: {
    command: ['gemini', '-i', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'none',
    patterns: {
      waiting: ['Allow execution', 'Apply this change\\?', 'Waiting for user confirmation', 'Do you trust the files in this folder', 'Trust folder', 'Select Auth Method', 'Get started'],
      working: ['esc to cancel'],
    },
  },
  aider: {
    command: ['aider', '--message-file', '{promptFile}'],
    appendContext: 'prompt',
    hooks: 'none',
    patterns: {
      waiting: ['\\(Y\\)es/\\(N\\)o', '\\[Yes\\]:'],
    },
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
