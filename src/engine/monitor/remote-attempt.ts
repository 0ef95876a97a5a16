import type { Attempt, FleetContext } from '../core/index.js';
import type { GitClient } from '../git/index.js';
import { fetchFromHost, hostGit, hostPlace } from '../workspace/index.js';

/** What a pass knows of an attempt on a host: its worktree there, and git there for its status. */
export interface RemoteFacts {
  worktreeExists: boolean;
  git: GitClient;
}

/**
 * For an attempt on a host: fetches its branch back into the local branch of the same name (so the
 * probe, PRs, diff, gates and reviews see its commits here) and updates `tips`; null for a local
 * attempt. Throws when the host cannot be reached (the pass reports it and goes on).
 */
export async function remoteFacts(ctx: FleetContext, attempt: Attempt, tips: Map<string, string>): Promise<RemoteFacts | null> {
  if (!attempt.host) return null;
  if (!ctx.hosts) throw new Error(`attempt ${attempt.n} runs on host ${attempt.host}, and hosts are not available here`);
  const host = ctx.hosts.get(attempt.host);
  const worktreeExists = await hostPlace(host).exists(attempt.worktree);
  const tip = await fetchFromHost({ runner: ctx.runner, repoRoot: ctx.paths.root, host, branch: attempt.branch });
  if (tip) tips.set(`refs/heads/${attempt.branch}`, tip);
  return { worktreeExists, git: hostGit(host) };
}
