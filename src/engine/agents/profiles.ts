import { UsageError } from '../core/index.js';
import type { FlotillaConfig, ProfileConfig, ProfileEntryConfig } from '../core/index.js';
import { ownValue } from '../core/index.js';

/**
 * Built-in agent profiles. A profile in config with the same name extends the built-in one
 * (see mergeProfile) unless it says `"replace": true`.
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
      // 0.61.0's screens: test/fixtures/agents/gemini-0.61.0-*.txt. A turn that failed on an API
      // error (`✕ [API Error: {"error":{"code":401,…`) waits for the human like a dialog.
      waiting: ['Allow execution', 'Apply this change\\?', 'Waiting for user confirmation', 'Do you trust the files in this folder', 'Select Auth Method', 'Get started', '✕ \\[API Error: '],
      working: ['esc to cancel'],
    },
    // No hooks: the screen decides. Its spinner and timer redraw all through a turn (model requests
    // and tools alike), so 1.5 s of silence is the end of the turn (idle within 2 s, as the hooks
    // of Claude Code and Codex give).
    quietMs: 1500,
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
