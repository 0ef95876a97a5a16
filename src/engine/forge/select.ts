import type { FleetContext } from '../core/index.js';
import { createGithubForge, type GithubForgeOptions } from './github.js';
import { createLocalForge } from './local.js';
import { isGithubRemote } from './parse-gh.js';
import { checkGh } from './gh-preflight.js';
import type { SpawnCheck } from './run-check.js';
import type { Forge } from './types.js';

export interface ForgeChoice {
  forge: Forge;
  /** Why this forge, one line (shown once by check, watch and status). */
  why: string;
}

/** "forge: local (gh is not logged in: run gh auth login)": the line check, watch and status print. */
export function forgeLine(choice: Pick<ForgeChoice, 'why'> & { forge: Pick<Forge, 'kind'> }): string {
  return `forge: ${choice.forge.kind} (${choice.why})`;
}

/**
 * Picks the forge from config: "local", "github", or "auto" = github when the origin remote is on
 * GitHub and gh is installed, new enough and logged in (checked once per choice), else local. With
 * "github" and a gh that cannot serve, the github forge reports that problem on every task.
 */
export async function selectForge(
  ctx: FleetContext,
  options: { github?: GithubForgeOptions; spawn?: SpawnCheck } = {},
): Promise<ForgeChoice> {
  const local = () => createLocalForge({ ...(options.spawn ? { spawn: options.spawn } : {}) });
  if (ctx.config.forge === 'local') return { forge: local(), why: 'config "forge": "local"' };
  const program = options.github?.gh ?? 'gh';
  if (ctx.config.forge === 'github') {
    const gh = await checkGh(ctx.runner, program, ctx.paths.root);
    const forge = createGithubForge({ ...options.github, ...(gh.ok ? {} : { unusable: gh.problem }) });
    return { forge, why: gh.ok ? `config "forge": "github", gh ${gh.version}` : `config "forge": "github", but ${gh.problem}` };
  }
  const remote = options.github?.remote ?? 'origin';
  const url = await ctx.git.raw(ctx.paths.root, ['remote', 'get-url', remote]);
  if (url.exitCode !== 0 || !isGithubRemote(url.stdout)) return { forge: local(), why: `no GitHub remote "${remote}"` };
  const gh = await checkGh(ctx.runner, program, ctx.paths.root);
  if (!gh.ok) return { forge: local(), why: gh.problem };
  return { forge: createGithubForge(options.github), why: `GitHub remote "${remote}", gh ${gh.version} logged in` };
}
