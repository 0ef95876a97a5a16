import type { FleetContext } from '../core/index.js';
import { writeFileAtomic } from '../fs/index.js';
import { attemptFiles } from '../core/index.js';
import type { CheckRun, PullRequest } from '../core/index.js';
import { describeBranch } from './local.js';
import { GhOutputError, parsePrChecks, parsePrList, parsePrView, runIdFromLink, type GhPr } from './parse-gh.js';
import { composePrBody, readPrTemplate } from './pr-body.js';
import { checkFileName } from './run-check.js';
import { ghMessage } from './gh-preflight.js';
import { summariseChecks, type CiStatus, type Forge, type ForgeDegraded, type ForgeTarget } from './types.js';

const PR_FIELDS = 'number,url,title,body,state,headRefName,baseRefName,headRefOid,createdAt';
const GH_ENV = { GH_PROMPT_DISABLED: '1', NO_COLOR: '1', GH_NO_UPDATE_NOTIFIER: '1' };
const LOG_LINES = 200;

export interface GithubForgeOptions {
  /** The gh program (default "gh" on PATH). */
  gh?: string;
  /** Remote the branch is pushed to. */
  remote?: string;
  /**
   * How often an unchanged PR is asked again for what a human may do on GitHub (merge or close
   * it) and, once the task is ready, for its checks (default 120 s). Each gh call is a GitHub API
   * request; a fleet of twenty ready tasks asked every pass would spend most of the hourly quota.
   */
  refreshMs?: number;
  /** Set when gh cannot serve (too old, not logged in): every task shows this instead of a gh failure. */
  unusable?: string;
}

type GhCall = { ok: true; stdout: string; stderr: string; exitCode: number; args: string[] } | ForgeDegraded;

/** Runs gh; a missing gh or a gh that is not logged in (exit 4) becomes a degraded state. */
async function gh(ctx: FleetContext, program: string, args: string[], o: { cwd: string; input?: string; okCodes?: number[] }): Promise<GhCall> {
  const r = await ctx.runner.run(program, args, { cwd: o.cwd, env: GH_ENV, timeoutMs: 120_000, ...(o.input !== undefined ? { input: o.input } : {}) });
  if (r.notFound) return { degraded: `gh is not installed (${program} not found): install GitHub CLI or set "forge": "local" in .flotilla/config.json` };
  if (r.exitCode === 4) return { degraded: 'gh is not logged in: run `gh auth login` (or set "forge": "local")' };
  if (r.timedOut) return { degraded: `gh ${args.slice(0, 2).join(' ')} timed out` };
  if (r.exitCode === null || !(o.okCodes ?? [0]).includes(r.exitCode) || (!r.stdout.trim() && r.exitCode !== 0 && r.stderr.trim())) {
    return { degraded: `gh ${args.slice(0, 2).join(' ')} failed (exit ${r.exitCode ?? 'signal'}): ${ghMessage(r.stderr, r.stdout) || 'no message'}` };
  }
  return { ok: true, stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode, args };
}

/** gh answered but not with what flotilla reads: quote gh's own words when it printed nothing on stdout. */
function unreadable(r: Extract<GhCall, { ok: true }>, err: unknown): ForgeDegraded {
  if (!r.stdout.trim() && r.stderr.trim()) return { degraded: `gh ${r.args.slice(0, 2).join(' ')} printed no JSON; gh says: ${ghMessage(r.stderr)}` };
  return { degraded: (err as GhOutputError).message };
}

function prStateOf(p: Pick<GhPr, 'state'>): PullRequest['state'] {
  return p.state === 'OPEN' ? 'open' : p.state === 'MERGED' ? 'merged' : 'closed';
}

function toPullRequest(p: GhPr, target: ForgeTarget, extra: { commits: PullRequest['commits']; diffstat: string; checks: CheckRun[] }): PullRequest {
  return {
    forge: 'github',
    number: p.number,
    url: p.url,
    title: p.title,
    body: p.body ?? '',
    branch: p.headRefName,
    base: p.baseRefName,
    state: prStateOf(p),
    createdAt: p.createdAt ?? new Date().toISOString(),
    attempt: target.attempt.n,
    headSha: target.probe.headSha ?? p.headRefOid,
    commits: extra.commits,
    diffstat: extra.diffstat,
    checks: extra.checks,
  };
}

/**
 * The GitHub forge, through gh with argument arrays: push the branch, find the PR with
 * `gh pr list --head`, open it with `gh pr create` when the agent did not, read CI with
 * `gh pr checks --json`, fetch failed logs with `gh run view --log-failed`.
 */
export function createGithubForge(options: GithubForgeOptions = {}): Forge {
  const program = options.gh ?? 'gh';
  const remote = options.remote ?? 'origin';
  const refreshMs = options.refreshMs ?? 120_000;
  // When each PR was last read from GitHub, by what was read (per forge instance, i.e. per monitor).
  const lastRead = new Map<string, number>();
  const due = (key: string) => Date.now() - (lastRead.get(key) ?? -Infinity) >= refreshMs;

  async function listPr(ctx: FleetContext, target: ForgeTarget): Promise<{ pr: GhPr | null } | ForgeDegraded> {
    const r = await gh(ctx, program, ['pr', 'list', '--head', target.attempt.branch, '--state', 'all', '--json', PR_FIELDS], { cwd: ctx.paths.root });
    if ('degraded' in r) return r;
    try {
      const prs = parsePrList(r.stdout);
      return { pr: prs.find((p) => p.state === 'OPEN') ?? prs[0] ?? null };
    } catch (err) {
      return unreadable(r, err);
    }
  }

  /** The PR's state on GitHub now (a human may have merged or closed it). */
  async function prState(ctx: FleetContext, number: number): Promise<{ state: PullRequest['state'] } | ForgeDegraded> {
    const r = await gh(ctx, program, ['pr', 'view', String(number), '--json', 'number,state'], { cwd: ctx.paths.root });
    if ('degraded' in r) return r;
    try {
      return { state: prStateOf(parsePrView(r.stdout)) };
    } catch (err) {
      return unreadable(r, err);
    }
  }

  return {
    kind: 'github',

    async ensurePr(ctx, target) {
      if (options.unusable) return { degraded: options.unusable };
      const { task, attempt, probe } = target;
      const current = task.pr;
      if (current && current.forge === 'github' && current.attempt === attempt.n && current.headSha === probe.headSha) {
        const key = `state ${task.id} #${current.number}`;
        if (current.state !== 'open' || !due(key)) return current;
        const seen = await prState(ctx, current.number);
        if ('degraded' in seen) return seen;
        lastRead.set(key, Date.now());
        if (seen.state === current.state) return current;
        return ctx.registry.updateTask(task.id, (t) => {
          if (t.pr && t.pr.forge === 'github' && t.pr.number === current.number) t.pr.state = seen.state;
          return t.pr ?? { ...current, state: seen.state };
        });
      }
      // Logged out since the forge was chosen: say so before pushing anything.
      if (due('auth')) {
        const auth = await ctx.runner.run(program, ['auth', 'status'], { cwd: ctx.paths.root, env: GH_ENV, timeoutMs: 30_000 });
        if (auth.notFound) return { degraded: `gh is not installed (${program} not found): install GitHub CLI or set "forge": "local" in .flotilla/config.json` };
        if (auth.exitCode !== 0) {
          const said = ghMessage(auth.stderr, auth.stdout);
          return { degraded: `gh is not logged in: run gh auth login${said ? ` (gh says: ${said})` : ''}; nothing was pushed` };
        }
        lastRead.set('auth', Date.now());
      }
      const push = await ctx.git.raw(attempt.worktree, ['push', '--force-with-lease', '--set-upstream', remote, `${attempt.branch}:${attempt.branch}`], { timeoutMs: 120_000 });
      if (push.exitCode !== 0) {
        return { degraded: `git push ${remote} ${attempt.branch} failed: ${push.stderr.trim().split('\n').at(-1) ?? `exit ${push.exitCode}`}` };
      }
      let found = await listPr(ctx, target);
      if ('degraded' in found) return found;
      const described = await describeBranch(ctx, target);
      if (!found.pr) {
        const body = composePrBody({ template: await readPrTemplate(ctx.paths.root), prompt: task.prompt, ...described });
        const created = await gh(ctx, program, ['pr', 'create', '--head', attempt.branch, '--base', task.base, '--title', task.title, '--body-file', '-'], {
          cwd: ctx.paths.root,
          input: body,
        });
        if ('degraded' in created) return created;
        found = await listPr(ctx, target);
        if ('degraded' in found) return found;
        if (!found.pr) return { degraded: `gh pr create succeeded but gh pr list --head ${attempt.branch} shows no PR` };
      }
      const pr = found.pr;
      lastRead.set(`state ${task.id} #${pr.number}`, Date.now());
      return ctx.registry.updateTask(task.id, (t) => {
        const same = t.pr && t.pr.forge === 'github' && t.pr.number === pr.number && t.pr.headSha === probe.headSha ? t.pr : null;
        t.pr = { ...(same ?? {}), ...toPullRequest(pr, target, { ...described, checks: same?.checks ?? [] }) };
        return t.pr;
      });
    },

    async ci(ctx, target, pr) {
      if (options.unusable) return { degraded: options.unusable };
      // A ready task's checks all passed on this head; they are asked again only every refreshMs
      // (a re-run on GitHub can still turn them), in between the stored result stands.
      const key = `checks ${target.task.id} #${pr.number} ${target.probe.headSha}`;
      if (target.task.state === 'ready' && pr.headSha === target.probe.headSha && pr.checks.length > 0 && !due(key)) return summariseChecks(pr.checks);
      const r = await gh(ctx, program, ['pr', 'checks', String(pr.number), '--json', 'name,state,bucket,link'], { cwd: ctx.paths.root, okCodes: [0, 1, 8] });
      if ('degraded' in r) return r;
      let checks: CheckRun[];
      if (!r.stdout.trim() && /no checks reported/i.test(r.stderr)) checks = [];
      else {
        try {
          checks = parsePrChecks(r.stdout);
        } catch (err) {
          return unreadable(r, err);
        }
      }
      lastRead.set(key, Date.now());
      if (checks.length === 0) return { state: 'skip', detail: 'no checks reported on GitHub', checks: [] } satisfies CiStatus;
      await attachFailedLogs(ctx, program, target, pr, checks);
      if (JSON.stringify(pr.checks) !== JSON.stringify(checks)) {
        await ctx.registry.updateTask(target.task.id, (t) => {
          if (t.pr && t.pr.number === pr.number) t.pr.checks = checks;
        });
      }
      return summariseChecks(checks);
    },
  };
}

/** For failed checks with an Actions link: the failed steps' log, saved once per head under runs/. */
async function attachFailedLogs(ctx: FleetContext, program: string, target: ForgeTarget, pr: PullRequest, checks: CheckRun[]): Promise<void> {
  const previous = new Map(pr.headSha === target.probe.headSha ? pr.checks.map((c) => [c.name, c]) : []);
  for (const check of checks) {
    if (check.state !== 'fail') continue;
    const before = previous.get(check.name) as (CheckRun & { output?: string }) | undefined;
    if (before?.log && before.state === 'fail') {
      Object.assign(check, { log: before.log, output: before.output });
      continue;
    }
    const runId = runIdFromLink(check.link);
    if (!runId) continue;
    const r = await gh(ctx, program, ['run', 'view', runId, '--log-failed'], { cwd: ctx.paths.root });
    if ('degraded' in r) {
      check.detail = `${check.detail}; log unavailable: ${r.degraded}`;
      continue;
    }
    const tail = r.stdout.replace(/\s+$/, '').split('\n').slice(-LOG_LINES).join('\n');
    const file = attemptFiles(ctx.paths, target.task.id, target.attempt.n).run(`${checkFileName(check.name)}.log`);
    await writeFileAtomic(file, `${tail}\n`);
    Object.assign(check, { log: file, output: tail.split('\n').slice(-20).join('\n') });
  }
}
