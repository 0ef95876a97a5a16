import { ConfigError } from '../core/index.js';
import type { ProfileConfig } from '../core/index.js';

/** Values substituted into a profile's argv. */
export interface PlaceholderValues {
  prompt: string;
  /** Path of the 0600 file holding the prompt. */
  promptFile: string;
  model: string | null;
  /** Retry context (null when there is none). */
  context: string | null;
}

export const PLACEHOLDERS = ['prompt', 'promptFile', 'model', 'context'] as const;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Checks a profile's argv before anything runs: non-empty, only known placeholders. */
export function validateProfileArgv(profile: ProfileConfig, where: { file: string; key: string }): void {
  const command = profile.command ?? [];
  if (command.length === 0 || !command[0]?.trim()) {
    throw new ConfigError(where.file, `${where.key}.command`, 'is empty; give the program and its arguments, e.g. ["my-agent", "{promptFile}"]');
  }
  const lists: Array<[string, readonly string[]]> = [[`${where.key}.command`, command]];
  if (Array.isArray(profile.appendContext)) lists.push([`${where.key}.appendContext`, profile.appendContext]);
  for (const [key, list] of lists) {
    for (const arg of list) {
      for (const m of arg.matchAll(PLACEHOLDER)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(m[1]!)) {
          throw new ConfigError(where.file, key, `unknown placeholder {${m[1]}} in "${arg}" (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`);
        }
      }
    }
  }
}

function substitute(arg: string, values: PlaceholderValues): string {
  return arg.replace(PLACEHOLDER, (_all, name: string) => {
    switch (name) {
      case 'prompt':
        return values.prompt;
      case 'promptFile':
        return values.promptFile;
      case 'model':
        return values.model ?? '';
      case 'context':
        return values.context ?? '';
      default:
        return `{${name}}`;
    }
  });
}

/**
 * Builds the agent's argv from a profile. An argument that is only `{model}` disappears together
 * with the flag before it when no model is set (e.g. ["--model", "{model}"]). `extra` (hook
 * settings) and retry context given as argv (appendContext: [...]) are inserted just before the
 * first argument holding the prompt ({prompt} or {promptFile}), or at the end when there is none,
 * so wrappers such as ["node", "agent.mjs", "{prompt}"] get them after the script.
 */
export function buildAgentArgv(
  profile: ProfileConfig,
  values: PlaceholderValues,
  where: { file: string; key: string },
  extra: readonly string[] = [],
): string[] {
  validateProfileArgv(profile, where);
  const inserted = [...extra];
  if (values.context && Array.isArray(profile.appendContext)) {
    for (const arg of profile.appendContext) inserted.push(substitute(arg, values));
  }
  const [program, ...rest] = profile.command;
  const args: string[] = [];
  let insertAt = -1;
  for (const arg of rest) {
    if (arg === '{model}' && !values.model) {
      if (args.length && args[args.length - 1]!.startsWith('-')) args.pop();
      continue;
    }
    if (insertAt < 0 && /\{(prompt|promptFile)\}/.test(arg)) insertAt = args.length;
    args.push(substitute(arg, values));
  }
  if (insertAt < 0) insertAt = args.length;
  args.splice(insertAt, 0, ...inserted);
  return [program!, ...args];
}
