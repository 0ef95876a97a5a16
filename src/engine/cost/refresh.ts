import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { withFileLock } from '../fs/index.js';
import type { FleetContext } from '../core/index.js';
import type { Task } from '../core/index.js';
import { agentAdapter, claudeProjectDirName, geminiProjectHash, readPrintOutput } from '../agents/index.js';
import { UsageLedger, listJsonl, loadCostState, saveCostState } from './ledger.js';
import { priceTable } from './prices.js';
import { rollUp } from './rollup.js';
import type { CostReport, CostState, TaskCost } from './types.js';

export interface CostSources {
  /** Claude Code config folders (each with a `projects/` folder). */
  claudeDirs: string[];
  /** Codex `sessions/` folders. */
  codexSessionsDirs: string[];
  /** Gemini CLI folders (`.gemini`, each with a `tmp/<project>/chats/` folder). */
  geminiDirs?: string[];
}

/**
 * Where usage logs are looked for: the environment's Claude/Codex/Gemini folders (CLAUDE_CONFIG_DIR,
 * CODEX_HOME, GEMINI_CLI_HOME or their defaults), the demo's `.flotilla/demo-claude`, and any of
 * those variables set in a profile's `env`.
 */
export function defaultCostSources(ctx: Pick<FleetContext, 'paths' | 'config'>, env: NodeJS.ProcessEnv = process.env): CostSources {
  // Each CLI's adapter names its log folders for an environment and the variable that moves them.
  const dirsOf = (kind: 'claude' | 'codex' | 'gemini', first: string[] = []): string[] => {
    const reader = agentAdapter(kind)!.usageLog!;
    const dirs = new Set([...reader.dirs(env), ...first]);
    for (const p of Object.values(ctx.config.profiles)) {
      const v = p.env?.[reader.envVar];
      if (v) for (const d of reader.dirs({ [reader.envVar]: isAbsolute(v) ? v : resolve(ctx.paths.root, v) })) dirs.add(d);
    }
    return [...dirs];
  };
  return {
    claudeDirs: dirsOf('claude', [join(ctx.paths.stateDir, 'demo-claude')]),
    codexSessionsDirs: dirsOf('codex'),
    geminiDirs: dirsOf('gemini'),
  };
}

export function costStateFile(ctx: Pick<FleetContext, 'paths'>): string {
  return join(ctx.paths.stateDir, 'cost-state.json');
}

async function worktreeIndex(tasks: Task[]): Promise<Map<string, { taskId: string; attempt: number }>> {
  const index = new Map<string, { taskId: string; attempt: number }>();
  for (const t of tasks) {
    for (const a of t.attempts) {
      const owner = { taskId: t.id, attempt: a.n };
      index.set(a.worktree.replace(/\/+$/, ''), owner);
      try {
        index.set(await realpath(a.worktree), owner);
      } catch {
        // a removed worktree still claims its stored path
      }
    }
  }
  return index;
}

export interface RefreshOptions {
  sources?: CostSources;
  now?: number;
}

/**
 * Reads what the agents' usage logs and review outputs gained since the last refresh, rolls cost
 * up per attempt, review and task, writes `task.cost` for every task (under the registry lock,
 * only when a figure changed) and returns the report.
 */
export async function refreshCost(ctx: FleetContext, options: RefreshOptions = {}): Promise<CostReport> {
  const stateFile = costStateFile(ctx);
  const sources = options.sources ?? defaultCostSources(ctx);
  const { report, byTask } = await withFileLock(`${stateFile}.lock`, async () => {
    const state = await loadCostState(stateFile);
    const ledger = new UsageLedger(state);
    const { tasks } = await ctx.registry.read();
    const worktrees = await worktreeIndex(tasks);

    const projectNames = new Set([...worktrees.keys()].map(claudeProjectDirName));
    for (const dir of sources.claudeDirs) {
      for (const name of projectNames) {
        for (const file of await listJsonl(join(dir, 'projects', name), 3)) await ledger.readClaude(file);
      }
    }
    const wanted = (cwd: string) => {
      for (const w of worktrees.keys()) if (cwd === w || cwd.startsWith(`${w}/`)) return true;
      return false;
    };
    for (const dir of sources.codexSessionsDirs) {
      for (const file of await listJsonl(dir, 4, (n) => n.startsWith('rollout-'))) await ledger.readCodex(file, wanted);
    }
    const byHash = new Map([...worktrees.keys()].map((w) => [geminiProjectHash(w), w]));
    for (const dir of sources.geminiDirs ?? []) {
      for (const file of await listJsonl(join(dir, 'tmp'), 3)) {
        if (file.split(sep).includes('chats')) await ledger.readGemini(file, (hash) => byHash.get(hash) ?? null);
      }
    }
    for (const task of tasks) await readReviews(ctx, task, state, () => (ledger.changed = true));
    if (ledger.changed) await saveCostState(stateFile, state);
    return rollUp({ tasks, state, prices: priceTable(ctx.config.prices), worktrees, now: options.now });
  });
  await writeTaskCosts(ctx, byTask);
  return report;
}

async function readReviews(ctx: FleetContext, task: Task, state: CostState, onChange: () => void): Promise<void> {
  const review = task.review;
  const reviews = state.reviews;
  for (const run of review?.runs ?? []) {
    if (reviews[run.runId]) continue;
    const file = isAbsolute(run.outputFile) ? run.outputFile : resolve(ctx.paths.root, run.outputFile);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      continue; // not written yet
    }
    const model = run.model || 'unknown-model';
    const parsed = readPrintOutput(text, model)?.usage;
    if (!parsed) continue;
    reviews[run.runId] = {
      runId: run.runId,
      taskId: task.id,
      attempt: review?.attempt ?? null,
      role: run.role,
      profile: run.profile,
      model,
      outputFile: file,
      sessionId: parsed.sessionId,
      reportedUsd: parsed.reportedUsd,
      usage: parsed.usage,
      at: new Date().toISOString(),
    };
    onChange();
  }
}

/** A cost without its clock-driven fields, so a refresh that found no new usage writes nothing. */
function withoutTime(c: unknown): string {
  if (!c || typeof c !== 'object') return JSON.stringify(c);
  const cost = c as TaskCost;
  return JSON.stringify({
    ...cost,
    at: undefined,
    effort: cost.effort ? { ...cost.effort, workingMs: undefined } : undefined,
    byAttempt: Array.isArray(cost.byAttempt) ? cost.byAttempt.map((a) => ({ ...a, wallMs: undefined })) : undefined,
  });
}

async function writeTaskCosts(ctx: FleetContext, byTask: Map<string, TaskCost>): Promise<void> {
  const data = await ctx.registry.read();
  const stale = data.tasks.some((t) => byTask.has(t.id) && withoutTime(t.cost) !== withoutTime(byTask.get(t.id)));
  if (!stale) return;
  await ctx.registry.update((fresh) => {
    for (const t of fresh.tasks) {
      const cost = byTask.get(t.id);
      if (cost) t.cost = cost;
    }
  });
}
