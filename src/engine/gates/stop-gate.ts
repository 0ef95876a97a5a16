import { UsageError, attemptFiles, requireTask } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { gitArgs } from '../git/index.js';
import { checkFileName, runCheckAdmitted, type CheckOutcome, type CheckSpec, type SpawnCheck } from '../forge/index.js';
import { parseStatusV2 } from '../git/index.js';
import { gateSpecs } from './types.js';
import { attemptEnv } from '../workspace/index.js';
import { runStopGateOnHost } from './stop-gate-host.js';

export interface StopGateResult {
  decision: 'allow' | 'block';
  /** What the agent is told when blocked (or why the stop is allowed). */
  text: string;
  /** Blocks used for this attempt, including this one. */
  blocks: number;
  maxBlocks: number;
  results: CheckOutcome[];
}

/** The fast local gates: custom gates marked `local: true`, then config.checks. */
export function localGateSpecs(ctx: Pick<FleetContext, 'config'>): CheckSpec[] {
  const custom = gateSpecs(ctx.config.gates).flatMap((g) => (g.kind === 'command' && g.local ? [{ name: g.name, command: g.command, timeoutSec: g.timeoutSec }] : []));
  return [...custom, ...ctx.config.checks];
}

/**
 * The Claude Code stop gate (`flotilla gate <task> --local`): runs the fast local gates in the
 * task's latest worktree and says whether to block the agent's stop. At most
 * config.stopGate.maxBlocks blocks per attempt (counted in attempt.stopGateBlocks, claimed under the
 * registry lock before answering), then the stop is allowed so the monitor takes over.
 */
export async function runStopGate(ctx: FleetContext, taskId: string, options: { spawn?: SpawnCheck } = {}): Promise<StopGateResult> {
  const task = requireTask(await ctx.registry.read(), taskId);
  const attempt = task.attempts.at(-1);
  if (!attempt) throw new UsageError(`task "${taskId}" has not started`);
  // An attempt on a host: the same gate, run there (stop-gate-host.ts).
  if (attempt.host && attempt.host !== 'local') return runStopGateOnHost(ctx, task, { ...attempt, host: attempt.host }, localGateSpecs(ctx));
  const maxBlocks = ctx.config.stopGate.maxBlocks;
  const used = attempt.stopGateBlocks ?? 0;
  if (used >= maxBlocks) {
    return { decision: 'allow', text: `stop gate: ${used}/${maxBlocks} blocks used for attempt ${attempt.n}; letting the agent stop`, blocks: used, maxBlocks, results: [] };
  }

  const problems: string[] = [];
  const status = await ctx.git.raw(attempt.worktree, gitArgs.statusPorcelain());
  if (status.exitCode === 0) {
    const dirty = parseStatusV2(status.stdout).dirty;
    if (dirty.length) problems.push(`Uncommitted changes: ${dirty.slice(0, 10).join(', ')}. Commit your work (or remove stray files) before stopping.`);
  }
  const results: CheckOutcome[] = [];
  for (const spec of localGateSpecs(ctx)) {
    const logFile = attemptFiles(ctx.paths, task.id, attempt.n).run(`stop-${checkFileName(spec.name)}.log`);
    const out = await runCheckAdmitted(ctx.admission, spec, { cwd: attempt.worktree, logFile, env: attemptEnv(ctx.paths.root, task.id, attempt), taskId: task.id, attempt: attempt.n, ...(options.spawn ? { spawn: options.spawn } : {}) });
    results.push(out);
    if (out.state === 'fail') problems.push(`Check "${spec.name}" (${spec.command.join(' ')}) failed: ${out.detail}\n${out.tail}`.trimEnd());
  }
  if (!problems.length) {
    return { decision: 'allow', text: `stop gate: ${results.length} local gate(s) passed`, blocks: used, maxBlocks, results };
  }
  const blocks = await ctx.registry.updateTask(task.id, (t) => {
    const a = t.attempts.find((x) => x.n === attempt.n);
    if (!a) return used + 1;
    a.stopGateBlocks = (a.stopGateBlocks ?? 0) + 1;
    return a.stopGateBlocks;
  });
  if (blocks > maxBlocks) {
    return { decision: 'allow', text: `stop gate: ${maxBlocks} blocks used for attempt ${attempt.n}; letting the agent stop`, blocks: maxBlocks, maxBlocks, results };
  }
  const text = `flotilla stop gate (block ${blocks} of ${maxBlocks}): the task is not done yet.\n\n${problems.join('\n\n')}\n\nFix these, commit, then finish.`;
  return { decision: 'block', text, blocks, maxBlocks, results };
}
