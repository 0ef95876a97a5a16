import type { FleetContext } from '../core/index.js';
import { createGithubForge, type GithubForgeOptions } from './github.js';
import { createLocalForge } from './local.js';
import { isGithubRemote } from './parse-gh.js';
import type { SpawnCheck } from './run-check.js';
import type { Forge } from './types.js';

export interface ForgeChoice {
  forge: Forge;
  /** Why this forge (shown by check/watch once). */
  why: string;
}

/**
 * Picks the forge from config: "local", "github", or "auto" = github when the origin remote is on
 * GitHub and `gh auth status` succeeds, else local.
 */
export async function selectForge(
  ctx: FleetContext,
  options: { github?: GithubForgeOptions; spawn?: SpawnCheck } = {},
): Promise<ForgeChoice> {
  const local = () => createLocalForge({ ...(options.spawn ? { spawn: options.spawn } : {}) });
  if (ctx.config.forge === 'local') return { forge: local(), why: 'config forge: local' };
  if (ctx.config.forge === 'github') return { forge: createGithubForge(options.github), why: 'config forge: github' };
  const url = await ctx.git.raw(ctx.paths.root, ['remote', 'get-url', options.github?.remote ?? 'origin']);
  if (url.exitCode !== 0 || !isGithubRemote(url.stdout)) return { forge: local(), why: 'forge auto: no GitHub remote, using local' };
  const auth = await ctx.runner.run(options.github?.gh ?? 'gh', ['auth', 'status'], { cwd: ctx.paths.root, env: { GH_PROMPT_DISABLED: '1' }, timeoutMs: 30_000 });
  if (auth.notFound) return { forge: local(), why: 'forge auto: GitHub remote but gh is not installed, using local' };
  if (auth.exitCode !== 0) return { forge: local(), why: 'forge auto: GitHub remote but gh is not logged in (gh auth login), using local' };
  return { forge: createGithubForge(options.github), why: 'forge auto: GitHub remote and gh logged in' };
}
