import { readFile, realpath } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeFileAtomic } from '../../fs/index.js';

/**
 * Claude Code asks "Is this a project you created or one you trust?" in every folder it has not
 * seen. Its supported answer ahead of time (named in its own error message) is
 * `projects[<path>].hasTrustDialogAccepted: true` in its global config, `$CLAUDE_CONFIG_DIR/.claude.json`
 * or `~/.claude.json`; the entry of a folder also covers every folder below it (Claude Code 2.1.197
 * walks up from the working directory). flotilla writes one entry: the folder holding the task's
 * attempt worktrees, so every attempt of the repository starts trusted.
 */
export function claudeConfigFile(env: Record<string, string | undefined>): string {
  return env.CLAUDE_CONFIG_DIR ? join(env.CLAUDE_CONFIG_DIR, '.claude.json') : join(env.HOME || homedir(), '.claude.json');
}

export interface TrustWrite {
  file: string;
  /** The folder now trusted, or null when it already was (nothing written). */
  trusted: string | null;
}

/**
 * Marks the folder holding `worktree` as trusted in Claude Code's config. Leaves a config that is
 * not JSON alone (throws: the caller reports it, the agent then shows its dialog).
 */
export async function trustForClaude(worktree: string, env: Record<string, string | undefined>): Promise<TrustWrite> {
  const file = claudeConfigFile(env);
  const folder = await realpath(dirname(worktree)).catch(() => dirname(worktree));
  let text: string | null = null;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    // no config yet: a new one with only this entry
  }
  let config: Record<string, unknown> = {};
  if (text !== null && text.trim()) {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: not a JSON object`);
    config = parsed as Record<string, unknown>;
  }
  const projects = (config.projects && typeof config.projects === 'object' ? config.projects : {}) as Record<string, Record<string, unknown>>;
  if (projects[folder]?.hasTrustDialogAccepted === true) return { file, trusted: null };
  config.projects = { ...projects, [folder]: { ...(projects[folder] ?? {}), hasTrustDialogAccepted: true } };
  await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
  return { file, trusted: folder };
}
