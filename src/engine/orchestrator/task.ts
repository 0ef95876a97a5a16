import { existsSync } from 'node:fs';
import { resolveProfile } from '../agents/index.js';
import { UsageError } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import type { Task } from '../core/index.js';
import { newAttempt, newTask } from '../tasks/index.js';
import { orchestratorInstructions } from './instructions.js';
import { initRepo } from '../config/index.js';

/** The registry id of the coordinator session. */
export const ORCHESTRATOR_ID = 'orchestrator';

export function isOrchestrator(task: Pick<Task, 'id'> & { kind?: unknown }): boolean {
  return task.kind === 'orchestrator';
}

/**
 * Records (or refreshes) the orchestrator in the registry: a task of kind "orchestrator" whose one
 * attempt runs in the main checkout, with the coordinator instructions as its prompt. The monitor
 * leaves it alone; the TUI pins it on top; start/stop/attach/send/capture work on it as on any task.
 */
export async function prepareOrchestrator(ctx: FleetContext, options: { agent?: string; bin: string }): Promise<Task> {
  const agent = options.agent ?? ctx.config.defaultAgent;
  resolveProfile(ctx.config, agent);
  const branch = (await ctx.git.currentBranch(ctx.paths.root)) ?? 'HEAD';
  const prompt = orchestratorInstructions({ bin: options.bin, memoryFile: ctx.paths.memoryFile, repoRoot: ctx.paths.root });
  // Not set up yet: set it up as `flotilla init` would (the coordinator's memory lives there).
  if (!existsSync(ctx.paths.memoryFile)) await initRepo(ctx.git, ctx.paths);
  return ctx.registry.update((data) => {
    const now = new Date().toISOString();
    let task = data.tasks.find((t) => t.id === ORCHESTRATOR_ID);
    if (task && !isOrchestrator(task)) {
      throw new UsageError(`a task called "${ORCHESTRATOR_ID}" already exists and is not the orchestrator; rename or remove it`);
    }
    if (!task) {
      task = newTask({ id: ORCHESTRATOR_ID, kind: 'orchestrator', title: 'Orchestrator', prompt, agent, base: branch }, now);
      data.tasks.unshift(task);
    }
    Object.assign(task, { prompt, agent, updatedAt: now });
    // One attempt, in the main checkout, restarted as pending each time.
    task.attempts = [newAttempt({ n: 1, branch, worktree: ctx.paths.root, startPoint: branch }, now)];
    return task;
  });
}
