import { errorMessage, type Attempt, type FleetContext, type PassHost, type Task } from '../core/index.js';
import { readBranchTips } from '../git/index.js';
import { probeHostsForPass, type HostProbe, type ProbeOutcome, type ProbeSession, type ProbeWorktree } from '../hosts/index.js';
import { fetchBranchesFromHost } from '../workspace/index.js';

/** Each host gets this long to answer a pass's probe; a stalled host never delays the others. */
export const HOST_PROBE_TIMEOUT_MS = 15_000;

/** What one pass knows of an attempt on a host, from that host's one probe. */
export type RemoteFacts =
  /** The host did not answer, or its commits could not be brought back: the attempt is left alone this pass. */
  | { kind: 'skip'; why: string }
  | { kind: 'read'; worktree: ProbeWorktree; session: ProbeSession | null; tmux: HostProbe['tmux'] };

/** The hosts' part of one pass: every configured host probed once, commits fetched once per host. */
export interface RemotePass {
  hosts: Array<PassHost & { fetches: number }>;
  /** Lines for the pass's errors (a fetch that failed). */
  errors: string[];
  /** The facts of a task's attempt on a host; null for an attempt on this machine. */
  facts(taskId: string, attempt: Attempt): RemoteFacts | null;
}

/**
 * Before the per-task walk of a pass: ONE probe per configured host (all at once, each with its own
 * timeout) reading the state of every flotilla session there and `git status` of each watched
 * attempt's worktree; then, per host, ONE `git fetch` for the branches whose tip there (the probe's
 * `# branch.oid`) differs from the local branch, none when nothing moved. `tips` is updated with
 * what came back. Null when config has no hosts.
 */
export async function probeRemoteAttempts(
  ctx: FleetContext,
  tasks: readonly Task[],
  tips: Map<string, string>,
  o: { timeoutMs?: number } = {},
): Promise<RemotePass | null> {
  if (Object.keys(ctx.config.hosts).length === 0) return null;
  const onHost = new Map<string, Attempt[]>();
  for (const t of tasks) {
    const a = t.attempts.at(-1);
    if (!a?.host || a.state === 'pending' || !Object.hasOwn(ctx.config.hosts, a.host)) continue;
    onHost.set(a.host, [...(onHost.get(a.host) ?? []), a]);
  }
  const worktrees = new Map([...onHost].map(([h, list]) => [h, list.map((a) => a.worktree)]));
  // In each host's channel (the fleet's hosts own them): no ssh process of its own.
  const outcomes = await probeHostsForPass({
    config: ctx.config,
    stateDir: ctx.paths.stateDir,
    repoRoot: ctx.paths.root,
    worktrees,
    timeoutMs: o.timeoutMs ?? HOST_PROBE_TIMEOUT_MS,
    ...(ctx.hosts ? { hosts: ctx.hosts } : {}),
  });
  const byHost = new Map(outcomes.map((r) => [r.name, r]));
  const errors: string[] = [];
  const fetchFailed = new Map<string, string>();
  const fetches = new Map<string, number>();

  await Promise.all(
    outcomes.map(async (out) => {
      if (!out.ok) return;
      const moved = (onHost.get(out.name) ?? []).filter((a) => {
        const wt = worktreeOf(out, a);
        const local = tips.get(`refs/heads/${a.branch}`);
        return wt?.state === 'ok' && ((wt.branch === a.branch && wt.head !== null && wt.head !== local) || local === undefined);
      });
      if (moved.length === 0) return;
      fetches.set(out.name, 1);
      try {
        if (!ctx.hosts) throw new Error('hosts are not available here');
        await fetchBranchesFromHost({ runner: ctx.runner, repoRoot: ctx.paths.root, host: ctx.hosts.get(out.name), branches: moved.map((a) => a.branch) });
      } catch (err) {
        const why = errorMessage(err).split('\n')[0]!;
        fetchFailed.set(out.name, why);
        errors.push(`${out.name}: commits not brought back this pass: ${why}`);
      }
    }),
  );
  if (fetches.size > fetchFailed.size) {
    // One local for-each-ref: the fetched branches' new tips.
    const fresh = await readBranchTips(ctx.git, ctx.paths.root);
    for (const [ref, sha] of fresh) if (ref.startsWith('refs/heads/')) tips.set(ref, sha);
  }

  return {
    hosts: outcomes.map((r) => ({ ...(r.ok ? { name: r.name, ok: true as const, ms: r.ms } : { name: r.name, ok: false as const, fault: r.fault, message: r.message, ms: r.ms }), fetches: fetches.get(r.name) ?? 0 })),
    errors,
    facts(taskId, attempt) {
      if (!attempt.host) return null;
      const out = byHost.get(attempt.host);
      if (!out) return { kind: 'skip', why: `host ${attempt.host} is not in config` };
      if (!out.ok) return { kind: 'skip', why: `host ${attempt.host} did not answer (${out.fault}: ${out.message})` };
      const failed = fetchFailed.get(attempt.host);
      if (failed) return { kind: 'skip', why: failed };
      const worktree = worktreeOf(out, attempt);
      if (!worktree) return { kind: 'skip', why: `host ${attempt.host} was not asked about ${attempt.worktree}` };
      return { kind: 'read', worktree, session: out.probe.sessions.find((s) => s.name === taskId) ?? null, tmux: out.probe.tmux };
    },
  };
}

function worktreeOf(out: ProbeOutcome & { ok: true }, attempt: Attempt): ProbeWorktree | undefined {
  return out.probe.worktrees.find((w) => w.path === attempt.worktree);
}

/** The probe's facts in the shape probeAttempt takes for an attempt on a host. */
export function remoteProbeInput(facts: RemoteFacts & { kind: 'read' }): { worktreeExists: boolean; status: { dirty: string[] } | { error: string } } {
  const wt = facts.worktree;
  return { worktreeExists: wt.state !== 'gone', status: wt.state === 'error' ? { error: 'git could not read it on the host' } : { dirty: wt.dirty } };
}
