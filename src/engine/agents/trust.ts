import { agentAdapter } from './registry.js';
import type { TrustLaunch } from './trust-types.js';

export type { TrustLaunch };
export type TrustKind = 'claude' | 'codex' | 'gemini' | 'none';

/**
 * How an agent starts in a flotilla-made worktree without its "trust this folder" dialog
 * (config `trustWorktrees`, default on; docs/agents.md lists what each writes): the trust of the
 * CLI's adapter (agents/<cli>/adapter.ts).
 */
export async function trustLaunch(kind: TrustKind | undefined, worktree: string, env: Record<string, string | undefined>): Promise<TrustLaunch> {
  const trust = agentAdapter(kind)?.trust;
  return trust ? trust(worktree, env) : { argv: [], env: {} };
}
