import { gitArgs } from '../git/index.js';
import type { FleetContext, HostsPort } from '../core/index.js';
import { attemptFiles } from '../core/index.js';
import type { CheckRun, PullRequest } from '../core/index.js';
import { join } from 'node:path';
import { listImages, screenshotsDir } from '../core/index.js';
import { composePrBody, parseLogSubjects, readPrTemplate } from './pr-body.js';
import { checkFileName, type SpawnCheck } from './run-check.js';
import { endCheckOnHost, runAttemptCheck } from './run-check-host.js';
import { summariseChecks, type CiStatus, type Forge, type ForgeTarget } from './types.js';
import { processAlive as pidAlive } from '../exec/index.js';
import { attemptEnv } from '../workspace/index.js';
import { processIsSame, processStartTime, sweepMarked } from '../exec/index.js';

/**
 * The claim a process writes before running a PR's checks, so no other process runs them too:
 * the runner (pid and start time, so a recycled pid is not taken for it) and the check it runs now
 * (its process group and FLOTILLA_CHECK token), so a later pass can end a check whose runner died.
 */
interface CiClaim {
  pid: number;
  at?: string;
  startTime?: string | null;
  check?: { pgid: number; token: string; host?: string | undefined } | null;
}

/** Whether the runner of a claim still runs. */
function claimAlive(claim: CiClaim): boolean {
  return processIsSame(claim.pid, claim.startTime ?? null);
}

/**
 * Ends the check a dead runner left running (SIGKILL of `check` or `watch`): every process carrying
 * its token, in its group or not (a recycled pid carries no token). Only then are the checks run
 * again, so one never runs twice at once.
 */
export async function endOrphanedCheck(claim: CiClaim | null | undefined, hosts?: HostsPort): Promise<number> {
  if (!claim?.check || claimAlive(claim)) return 0;
  const { host, pgid, token } = claim.check;
  if (host) {
    // A check on a host: its group and its token are there. A host gone from config ran nothing of ours.
    if (!hosts?.names().includes(host)) return 0;
    await endCheckOnHost(hosts.get(host), { pgid, token });
    return 1;
  }
  return sweepMarked({ env: { FLOTILLA_CHECK: token } });
}


/** Reads commit list and diffstat of the attempt (2 git processes). */
export async function describeBranch(ctx: FleetContext, target: ForgeTarget) {
  const { probe } = target;
  const range = `${probe.baseSha}..${probe.headSha}`;
  const [log, stat] = await Promise.all([
    ctx.git.run(ctx.paths.root, gitArgs.log(range)),
    ctx.git.run(ctx.paths.root, gitArgs.diffStat(`${probe.baseSha}...${probe.headSha}`)),
  ]);
  return { commits: parseLogSubjects(log), diffstat: stat.trimEnd() };
}

/**
 * The embedded forge: a PR is a record in the registry (number from registry.nextPr) and CI is
 * config.checks run in the attempt's worktree, outputs in .flotilla/runs/<task>/<attempt>/<check>.log.
 */
export function createLocalForge(options: { spawn?: SpawnCheck } = {}): Forge {
  return {
    kind: 'local',

    async ensurePr(ctx, target) {
      const { task, attempt, probe } = target;
      const current = task.pr;
      if (current && current.forge === 'local' && current.attempt === attempt.n && current.headSha === probe.headSha) return current;
      const shotsDir = screenshotsDir(attempt.worktree);
      const [{ commits, diffstat }, template, shots] = await Promise.all([describeBranch(ctx, target), readPrTemplate(ctx.paths.root), listImages(shotsDir)]);
      const body = composePrBody({ template, prompt: task.prompt, commits, diffstat, screenshots: shots.map((f) => join(shotsDir, f)) });
      return ctx.registry.updateTask(task.id, (t, data) => {
        const existing = t.pr && t.pr.forge === 'local' ? t.pr : null;
        // Another process opened or refreshed it meanwhile: keep theirs (and its CI claim) as is.
        if (existing && existing.attempt === attempt.n && existing.headSha === probe.headSha) return existing;
        const pr: PullRequest = {
          ...(existing ?? {}),
          forge: 'local',
          number: existing?.number ?? data.nextPr++,
          url: null,
          title: t.title,
          body,
          branch: attempt.branch,
          base: t.base,
          state: 'open',
          createdAt: existing?.createdAt ?? new Date().toISOString(),
          attempt: attempt.n,
          headSha: probe.headSha ?? undefined,
          commits,
          diffstat,
          // Checks belong to a head; a new head starts without results.
          checks: existing && existing.headSha === probe.headSha ? existing.checks : [],
        };
        t.pr = pr;
        return pr;
      });
    },

    async ci(ctx, target, pr) {
      return runLocalCi(ctx, target, pr, options.spawn);
    },
  };
}


/** Runs config.checks once per PR head, claimed under the registry lock. */
async function runLocalCi(ctx: FleetContext, target: ForgeTarget, given: PullRequest, spawn?: SpawnCheck): Promise<CiStatus> {
  const checks = ctx.config.checks;
  if (checks.length === 0) return { state: 'skip', detail: 'no checks configured', checks: [] };
  const { task, attempt, probe } = target;
  const head = probe.headSha!;
  const pr = given;
  const complete = (p: PullRequest) => p.checks.length === checks.length && !p.checks.some((c) => c.state === 'pending');
  if (pr.ciHead === head && complete(pr)) return summariseChecks(pr.checks);

  if (pr.ciClaim?.check && pr.ciClaim.pid !== process.pid) await endOrphanedCheck(pr.ciClaim, ctx.hosts);
  const claimed = await ctx.registry.updateTask(task.id, (t): boolean | 'moved' => {
    const p = t.pr;
    if (!p || p.headSha !== head) return 'moved';
    const claim = p.ciClaim;
    const ownedElsewhere = claim && claim.pid !== process.pid && claimAlive(claim);
    if (p.ciHead === head && (ownedElsewhere || complete(p))) return false;
    // A dead runner's check this pass has not ended (the claim changed since it was read): next pass.
    if (claim?.check && claim.pid !== process.pid && claim.check.token !== pr.ciClaim?.check?.token) return false;
    p.ciHead = head;
    p.ciClaim = { pid: process.pid, at: new Date().toISOString(), startTime: processStartTime(process.pid), check: null };
    p.checks = checks.map((c) => ({ name: c.name, state: 'pending', detail: 'queued' }));
    const a = t.attempts.find((x) => x.n === attempt.n);
    if (a) a.ciRounds += 1;
    return true;
  });
  if (claimed === 'moved') return { state: 'pending', detail: 'the PR moved to a newer head meanwhile', checks: [] };
  if (!claimed) {
    const fresh = (await ctx.registry.read()).tasks.find((t) => t.id === task.id)?.pr;
    return fresh ? summariseChecks(fresh.checks) : { state: 'pending', detail: 'checks are running in another flotilla process', checks: [] };
  }

  const results: CheckRun[] = checks.map((c) => ({ name: c.name, state: 'pending', detail: 'queued' }));
  for (const [i, check] of checks.entries()) {
    const startedAt = new Date().toISOString();
    const logFile = attemptFiles(ctx.paths, task.id, attempt.n).run(`${checkFileName(check.name)}.log`);
    const release = () =>
      ctx.registry.updateTask(task.id, (t) => {
        const p = t.pr;
        if (p && p.ciHead === head) p.ciClaim = null;
      });
    let out: Awaited<ReturnType<typeof runAttemptCheck>>;
    try {
      const onStart = (run: { pgid: number; token: string; host?: string }) =>
        void ctx.registry
          .updateTask(task.id, (t) => {
            const p = t.pr;
            if (p && p.ciHead === head && p.ciClaim?.pid === process.pid) p.ciClaim.check = run;
          })
          .catch(() => undefined);
      // On the attempt's host for an attempt there (its worktree, that host's build slots).
      out = await runAttemptCheck(ctx, attempt, check, {
        env: attemptEnv(ctx.paths.root, task.id, attempt),
        logFile,
        taskId: task.id,
        ...(spawn ? { spawn } : {}),
        onStart,
        ...(target.signal ? { signal: target.signal } : {}),
      });
    } catch (err) {
      // The check could not run (e.g. its log folder): free the claim so a later pass tries again.
      await release();
      throw err;
    }
    if (out.cancelled) {
      // Stopping: leave the checks pending and release the claim, so the next pass runs them.
      await release();
      return { state: 'pending', detail: 'checks cancelled', checks: results };
    }
    results[i] = { name: check.name, state: out.state, detail: out.detail, log: out.log, startedAt, endedAt: new Date().toISOString(), output: out.tail } as CheckRun;
    const last = i === checks.length - 1;
    await ctx.registry.updateTask(task.id, (t) => {
      const p = t.pr;
      if (!p || p.ciHead !== head) return;
      p.checks = results.map((r) => ({ ...r }));
      if (last) p.ciClaim = null;
    });
  }
  return summariseChecks(results);
}
