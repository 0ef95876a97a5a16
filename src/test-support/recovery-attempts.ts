import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FailureClass } from '../engine/index.js';
import type { FleetContext } from '../engine/index.js';
import { git } from './temp-repo.js';
import type { Attempt, CheckRun } from '../engine/index.js';
import { transition } from '../engine/index.js';
import { createAttemptWorktree } from '../engine/index.js';

/**
 * Test support: plays the parts of the session runtime and the monitor against the real registry
 * and real git, so recovery can be tested before those capabilities are merged.
 */

/** Creates attempt 1 (running) in a fresh worktree from base, as `task.start` does. */
export async function startFirstAttempt(ctx: FleetContext, taskId: string): Promise<Attempt> {
  const task = (await ctx.registry.read()).tasks.find((t) => t.id === taskId)!;
  const wt = await createAttemptWorktree(ctx.git, {
    repoRoot: ctx.paths.root, worktreeRoot: ctx.worktreeRoot, taskId, n: 1, startPoint: task.base,
  });
  return ctx.registry.updateTask(taskId, (t) => {
    const now = new Date().toISOString();
    const a: Attempt = {
      n: 1, branch: wt.branch, worktree: wt.worktree, startPoint: t.base, state: 'running', createdAt: now, startedAt: now,
      endedAt: null, session: null, failure: null, enrichment: null, ciRounds: 0,
    };
    t.attempts.push(a);
    transition(t, 'running');
    return a;
  });
}

/** Marks the latest pending attempt running (what `task.start` does for a retry). */
export async function markPendingRunning(ctx: FleetContext, taskId: string): Promise<Attempt> {
  return ctx.registry.updateTask(taskId, (t) => {
    const a = t.attempts[t.attempts.length - 1]!;
    a.state = 'running';
    a.startedAt = new Date().toISOString();
    transition(t, 'running');
    return a;
  });
}

/** Commits a file in the latest attempt's worktree, as the agent would. */
export async function commitInLatest(ctx: FleetContext, taskId: string, file: string, content: string): Promise<void> {
  const task = (await ctx.registry.read()).tasks.find((t) => t.id === taskId)!;
  const wt = task.attempts[task.attempts.length - 1]!.worktree;
  mkdirSync(join(wt, file, '..'), { recursive: true });
  writeFileSync(join(wt, file), content);
  git(wt, 'add', '-A');
  git(wt, 'commit', '-q', '-m', `agent: ${file}`);
}

/** Records a failure on the latest attempt and the task (the monitor's part); optionally a failing check with its log. */
export async function failLatest(
  ctx: FleetContext,
  taskId: string,
  cls: FailureClass,
  evidence: string,
  check?: { name: string; log: string },
): Promise<void> {
  let logRel: string | undefined;
  if (check) {
    const dir = join(ctx.paths.runsDir, taskId);
    mkdirSync(dir, { recursive: true });
    const n = (await ctx.registry.read()).tasks.find((t) => t.id === taskId)!.attempts.length;
    logRel = join('.flotilla', 'runs', taskId, `a${n}-${check.name}.log`);
    writeFileSync(join(ctx.paths.root, logRel), check.log);
  }
  await ctx.registry.updateTask(taskId, (t) => {
    const a = t.attempts[t.attempts.length - 1]!;
    const now = new Date().toISOString();
    a.state = 'failed';
    a.endedAt = now;
    a.failure = { class: cls, evidence, at: now };
    if (cls === 'ci_failed') a.ciRounds += 1;
    if (check) {
      const run: CheckRun = { name: check.name, state: 'fail', detail: 'exit 1', log: logRel! };
      t.pr = {
        forge: 'local', number: 1, url: null, title: t.title, body: '', branch: a.branch, base: t.base, state: 'open',
        createdAt: now, attempt: a.n, commits: [], diffstat: '', checks: [run],
      };
    }
    transition(t, 'failed', `${cls}: ${evidence}`);
  });
}

/**
 * The fleet as recovery sees it, minus `task.start`: for tests that play the session runtime
 * themselves, so a retry leaves its attempt `pending` even once sessions are part of the fleet.
 */
export function withoutTaskStart<F extends { supports(type: string): boolean }>(fleet: F): F {
  return { ...fleet, supports: (type: string) => type !== 'task.start' && fleet.supports(type) };
}
