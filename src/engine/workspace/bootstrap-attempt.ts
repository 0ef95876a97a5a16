import type { FlotillaConfig } from '../core/index.js';
import type { Runner } from '../core/index.js';
import type { GitClient } from '../git/index.js';
import { acquireAttemptSlot, attemptEnv } from './attempt-env.js';
import { copyMatchingFiles, runSetupCommands } from './bootstrap.js';
import type { SlotGrant } from './port-slots.js';
import { renderTemplates } from './render.js';
import { copyWorktreeIncludes } from './worktree-include.js';

export interface BootstrapContext {
  paths: { root: string };
  config: Pick<FlotillaConfig, 'bootstrap' | 'env'>;
  git: GitClient;
  runner: Runner;
  slotsFile?: string;
}

/** What an attempt record keeps of its environment: `{ slot, ports }` when it holds a slot, else {}. */
export type AttemptSlotFields = { slot: number; ports: Record<string, number> } | Record<string, never>;

export function slotFields(grant: SlotGrant | null): AttemptSlotFields {
  return grant ? { slot: grant.slot, ports: grant.ports } : {};
}

/**
 * Fills a freshly created worktree: `bootstrap.copy` files, the `.worktreeinclude` selection, the
 * attempt's slot and ports (config env.ports), `bootstrap.render` templates, then the setup
 * commands with the attempt's environment. Returns the slot fields for the attempt record.
 */
export async function bootstrapAttempt(ctx: BootstrapContext, o: { taskId: string; n: number; worktree: string }): Promise<AttemptSlotFields> {
  const root = ctx.paths.root;
  await copyMatchingFiles(root, o.worktree, ctx.config.bootstrap.copy);
  await copyWorktreeIncludes(ctx.git, root, o.worktree);
  const grant = await acquireAttemptSlot(ctx, o);
  const vars = attemptEnv(root, o.taskId, { n: o.n, ...slotFields(grant) });
  await renderTemplates({ repoRoot: root, worktree: o.worktree, entries: ctx.config.bootstrap.render, vars });
  await runSetupCommands(ctx.runner, o.worktree, ctx.config.bootstrap.setup, undefined, vars, { taskId: o.taskId, attempt: o.n });
  return slotFields(grant);
}

/**
 * Before an attempt (re)starts: takes its slot again when it gave it up (stopped, failed) and, when
 * the ports changed, renders the templates again. Returns the fields to record, or null when
 * nothing changed.
 */
export async function refreshAttemptSlot(
  ctx: BootstrapContext,
  o: { taskId: string; n: number; worktree: string; slot?: number | null | undefined; ports?: Record<string, number> | undefined },
): Promise<AttemptSlotFields | null> {
  const grant = await acquireAttemptSlot(ctx, o);
  if (!grant) return null;
  const same = o.slot === grant.slot && JSON.stringify(o.ports ?? {}) === JSON.stringify(grant.ports);
  if (same) return null;
  const vars = attemptEnv(ctx.paths.root, o.taskId, { n: o.n, ...slotFields(grant) });
  await renderTemplates({ repoRoot: ctx.paths.root, worktree: o.worktree, entries: ctx.config.bootstrap.render, vars });
  return slotFields(grant);
}

/**
 * Runs `bootstrap.teardown` in an attempt's worktree before it is removed (stop its compose project,
 * drop its test database), with the attempt's environment. Failures are returned, never thrown:
 * removal goes on.
 */
export async function teardownAttempt(
  ctx: BootstrapContext,
  o: { taskId: string; n: number; worktree: string; slot?: number | null | undefined; ports?: Record<string, number> | undefined },
): Promise<string[]> {
  const problems: string[] = [];
  const vars = attemptEnv(ctx.paths.root, o.taskId, { n: o.n, slot: o.slot ?? null, ports: o.ports ?? {} });
  for (const command of ctx.config.bootstrap.teardown) {
    const [file, ...args] = command;
    if (!file) continue;
    const r = await ctx.runner.run(file, args, { cwd: o.worktree, env: vars, timeoutMs: 5 * 60_000 });
    if (r.exitCode !== 0) {
      const why = r.notFound ? 'command not found' : (r.stderr || r.stdout).trim().split('\n').at(-1) ?? '';
      problems.push(`teardown ${command.join(' ')} in ${o.worktree}: exit ${r.exitCode ?? 'signal'}${why ? `: ${why}` : ''}`);
    }
  }
  return problems;
}
