import { UsageError } from '../core/index.js';
import type { FlotillaConfig, ProfileConfig } from '../core/index.js';
import { ownValue } from '../core/index.js';

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
    trust: 'claude',
    patterns: {
      // Dialogs of Claude Code 2.1.197 (test/fixtures/agents/claude-2.1.197-*.txt): permission,
      // workspace trust, "Detected a custom API key"; every select dialog ends "Enter to confirm".
      waiting: [
        'Do you want to (proceed|make this edit|create|run|use this API key)',
        'Do you trust the files',
        'Yes, I trust this folder',
        'Enter to confirm · Esc to cancel',
        'Esc to cancel · Tab to amend',
        '❯\\s*1\\.\\s*Yes',
        'Would you like to',
        // A turn refused for the key or the login: the human has to act.
        'Invalid API key · Fix external API key',
        'Not logged in · Please run /login',
      ],
      working: ['esc to interrupt'],
      retrying: ['Retrying in \\d+s · attempt (\\d+)/(\\d+)'],
      contextExhausted: ['Context low', 'Prompt is too long', 'context window'],
    },
  },
  codex: {
    command: ['codex', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'codex',
    trust: 'codex',
    patterns: {
      // 0.171.0's folder trust dialog: test/fixtures/agents/codex-0.171.0-trust.txt.
      waiting: ['Allow command\\?', 'Would you like to run', 'approve this', '\\[y/N\\]', 'Press enter to continue', 'Sign in with ChatGPT', 'allow Codex to work in this folder', 'Trust this folder\\?', 'enter continue · esc back', '■ unexpected status \\d{3}'],
      working: ['esc to interrupt', 'Working \\('],
      retrying: ['Reconnecting\\.\\.\\. (\\d+)/(\\d+)'],
      contextExhausted: ['context window', 'exceeds the context'],
    },
  },
  gemini: {
    command: ['gemini', '-i', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'none',
    trust: 'gemini',
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
  const profile = ownValue(config.profiles, name) ?? ownValue(BUILTIN_PROFILES, name);
  if (!profile) {
    throw new UsageError(`unknown agent profile "${name}" (known: ${profileNames(config).join(', ')})`);
  }
  return profile;
}
