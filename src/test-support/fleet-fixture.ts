import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createFleet, type Fleet } from '../engine/index.js';
import type { SessionInfo } from '../engine/index.js';
import { createAttemptWorktree } from '../engine/index.js';
import { git, makeTempRepo, type TempRepo } from './temp-repo.js';

/**
 * Helpers for monitor tests: a real repository and fleet, tasks with a started attempt, and an
 * "agent" simulated by committing in the attempt worktree and writing attempt.session.
 */
export interface FleetFixture {
  repo: TempRepo;
  fleet: Fleet;
  cleanup(): Promise<void>;
}

export async function makeFleetFixture(config: Record<string, unknown> = {}): Promise<FleetFixture> {
  const repo = makeTempRepo({ profiles: { demo: { command: ['true'] } }, defaultAgent: 'demo', ...config });
  repo.write('src/app.js', 'export const a = 1;\n');
  repo.commit('app');
  const fleet = await createFleet({ cwd: repo.root });
  return {
    repo,
    fleet,
    async cleanup() {
      await fleet.close();
      repo.cleanup();
    },
  };
}

/** Adds a task and starts attempt 1 (worktree from base, state running, no session yet). */
export async function addRunningTask(fleet: Fleet, id: string, title = `Task ${id}`): Promise<{ worktree: string; branch: string }> {
  await fleet.dispatch({ type: 'task.add', input: { title, prompt: `Do ${id}`, id } });
  const wt = await createAttemptWorktree(fleet.git, { repoRoot: fleet.paths.root, worktreeRoot: fleet.worktreeRoot, taskId: id, n: 1, startPoint: 'main', base: 'main' });
  await fleet.registry.updateTask(id, (t) => {
    const now = new Date().toISOString();
    t.attempts.push({
      n: 1, branch: wt.branch, worktree: wt.worktree, startPoint: 'main', state: 'running', createdAt: now,
      startedAt: now, endedAt: null, session: null, failure: null, enrichment: null, ciRounds: 0, baseCommit: wt.baseCommit,
    });
    t.state = 'running';
    t.stateSince = now;
  });
  return wt;
}

/** Commits a file in a worktree, as an agent would. */
export function agentCommit(worktree: string, file: string, content: string, message = `edit ${file}`): void {
  writeFileSync(join(worktree, file), content);
  git(worktree, 'add', '-A');
  git(worktree, 'commit', '-q', '-m', message);
}

/** Writes attempt.session as the session runtime would. */
export async function setSession(fleet: Fleet, id: string, session: Partial<SessionInfo> & { state: SessionInfo['state'] }): Promise<void> {
  await fleet.registry.updateTask(id, (t) => {
    t.attempts.at(-1)!.session = { pid: null, since: new Date().toISOString(), runtime: 'pty', ...session };
  });
}

export async function readTask(fleet: Fleet, id: string) {
  const data = await fleet.registry.read();
  return data.tasks.find((t) => t.id === id)!;
}
