import { trustForClaude } from './claude/trust.js';
import { codexTrustArgv } from './codex/trust.js';
import { GEMINI_TRUST_ENV } from './gemini/trust.js';

export type TrustKind = 'claude' | 'codex' | 'gemini' | 'none';

export interface TrustLaunch {
  /** Extra argv for the agent. */
  argv: string[];
  /** Extra environment for the agent. */
  env: Record<string, string>;
  /** What was written where (for the log), or a problem that leaves the agent's own dialog up. */
  note?: string;
}

/**
 * How an agent starts in a flotilla-made worktree without its "trust this folder" dialog
 * (config `trustWorktrees`, default on; docs/agents.md lists what each writes).
 */
export async function trustLaunch(kind: TrustKind | undefined, worktree: string, env: Record<string, string | undefined>): Promise<TrustLaunch> {
  switch (kind) {
    case 'claude':
      try {
        const w = await trustForClaude(worktree, env);
        return { argv: [], env: {}, ...(w.trusted ? { note: `trusted ${w.trusted} in ${w.file}` } : {}) };
      } catch (err) {
        return { argv: [], env: {}, note: `could not pre-trust the worktree for Claude Code: ${(err as Error).message}` };
      }
    case 'codex':
      return { argv: codexTrustArgv(worktree), env: {} };
    case 'gemini':
      return { argv: [], env: headlessTrustEnv(kind) };
    default:
      return { argv: [], env: {} };
  }
}

/**
 * Environment that trusts the working folder for a run without a screen (a reviewer): Gemini CLI
 * 0.61's `-p` refuses a folder it does not trust (exit 55, "Gemini CLI is not running in a trusted
 * directory"); Claude Code's `-p` and Codex's `exec` do not ask, so nothing is written for them.
 */
export function headlessTrustEnv(kind: TrustKind | undefined): Record<string, string> {
  return kind === 'gemini' ? { ...GEMINI_TRUST_ENV } : {};
}
