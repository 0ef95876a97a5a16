import { basename } from 'node:path';
import type { FlotillaConfig } from '../core/index.js';
import type { Attempt, RegistryData, Task } from '../core/index.js';
import { acquireSlot, releaseSlot, type SlotGrant } from './port-slots.js';

/**
 * The per-attempt environment: `COMPOSE_PROJECT_NAME=<repo>-<task>-a<n>` always, and when config
 * `env.ports` names variables, `FLOTILLA_SLOT` and one free port per name. Exported to the agent,
 * its checks and its setup commands, and filled into `bootstrap.render` templates.
 */

/** A compose project name: lowercase letters, digits, `-` and `_`, starting with a letter or digit. */
export function composeProjectName(repoRoot: string, taskId: string, n: number): string {
  const repo = basename(repoRoot).toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+/, '') || 'repo';
  return `${repo}-${taskId}-a${n}`;
}

/** The variables of one attempt (ports only while it holds them). */
export function attemptEnv(repoRoot: string, taskId: string, attempt: Pick<Attempt, 'n' | 'slot' | 'ports'>): Record<string, string> {
  // FLOTILLA_REPO: a sweep after stop/rm ends this repository's processes only (task ids repeat across repositories).
  const env: Record<string, string> = { COMPOSE_PROJECT_NAME: composeProjectName(repoRoot, taskId, attempt.n), FLOTILLA_REPO: repoRoot };
  if (attempt.slot !== undefined && attempt.slot !== null) env.FLOTILLA_SLOT = String(attempt.slot);
  for (const [name, port] of Object.entries(attempt.ports ?? {})) env[name] = String(port);
  return env;
}

/** Task states in which the latest attempt keeps its slot; any other state ends it. */
const HOLDING: ReadonlySet<Task['state']> = new Set(['new', 'queued', 'running', 'checking', 'ready']);

/**
 * Whether an attempt should still hold its ports: it is the task's latest, the task is live and its
 * PR is not merged or closed. Stopped, failed, escalated, superseded or merged attempts give them up.
 */
export function holdsSlot(task: Task, attempt: Attempt): boolean {
  if (task.attempts.at(-1)?.n !== attempt.n) return false;
  if (!HOLDING.has(task.state)) return false;
  if (task.pr && task.pr.state !== 'open' && task.pr.attempt === attempt.n) return false;
  return true;
}

export interface SlotContext {
  paths: { root: string };
  config: Pick<FlotillaConfig, 'env'>;
  /** The host-wide lease file (tests point it elsewhere). */
  slotsFile?: string;
}

/** Takes (or keeps) the attempt's slot; null when config env.ports is empty. */
export async function acquireAttemptSlot(ctx: SlotContext, o: { taskId: string; n: number; worktree: string }): Promise<SlotGrant | null> {
  const { ports, portBase, portStride } = ctx.config.env;
  if (ports.length === 0) return null;
  return acquireSlot({
    ...(ctx.slotsFile ? { file: ctx.slotsFile } : {}),
    names: ports,
    portBase,
    portStride,
    repo: ctx.paths.root,
    task: o.taskId,
    attempt: o.n,
    worktree: o.worktree,
  });
}

/** Gives up the slot of one attempt, or of every attempt of the task when `n` is not given. */
export async function releaseAttemptSlot(ctx: SlotContext, o: { taskId: string; n?: number }): Promise<boolean> {
  return releaseSlot({
    ...(ctx.slotsFile ? { file: ctx.slotsFile } : {}),
    repo: ctx.paths.root,
    task: o.taskId,
    ...(o.n !== undefined ? { attempt: o.n } : {}),
  });
}

/**
 * Gives up the slots of attempts that ended (stopped, failed, escalated, superseded, PR merged or
 * closed), checked again under the registry lock so an attempt restarted meanwhile keeps its own.
 * Returns "task#n" of each attempt that let its ports go.
 */
export async function releaseEndedSlots(
  ctx: SlotContext & { registry: { update<T>(change: (data: RegistryData) => T | Promise<T>): Promise<T> } },
  seen: RegistryData,
): Promise<string[]> {
  const ended = (data: RegistryData) =>
    data.tasks.flatMap((t) => t.attempts.filter((a) => a.slot !== undefined && a.slot !== null && !holdsSlot(t, a)).map((a) => ({ t, a })));
  if (ended(seen).length === 0) return [];
  return ctx.registry.update(async (data) => {
    const released: string[] = [];
    for (const { t, a } of ended(data)) {
      await releaseAttemptSlot(ctx, { taskId: t.id, n: a.n });
      Object.assign(a, { slot: null, ports: {} });
      released.push(`${t.id}#${a.n}`);
    }
    return released;
  });
}
