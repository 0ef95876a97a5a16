import type { MergedFinding, ReviewRecord } from '../engine/index.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, git, makeTempRepo, runCli, type TempRepo } from './temp-repo.js';

/** The scripted reviewer used by review tests: `node scripted-reviewer.mjs <mode> <promptFile>`. */
export const SCRIPTED_REVIEWER = join(PROJECT_ROOT, 'test', 'e2e', 'fixtures', 'scripted-reviewer.mjs');

export interface ScriptedReviewer {
  role: string;
  focus: string;
  profile: string;
  model: string;
  blocking?: boolean;
  timeoutSec?: number;
}

/** A reviewer role played by the scripted reviewer in `mode`. */
export function scriptedReviewer(role: string, mode: string, extra: Partial<ScriptedReviewer> = {}): ScriptedReviewer {
  return { role, focus: `the ${role} focus`, profile: `p-${mode}`, model: `model-${mode}`, ...extra };
}

/** Config with one custom profile per scripted reviewer mode. */
export function scriptedReviewConfig(reviewers: ScriptedReviewer[]) {
  const profiles = Object.fromEntries(
    reviewers.map((r) => [r.profile, { command: [process.execPath, SCRIPTED_REVIEWER, r.profile.slice(2), '{promptFile}'] }]),
  );
  return { profiles, reviewers };
}

export const CALC_V1 = 'export function add(a, b) {\n  return a + b;\n}\n';
export const CALC_A1 =
  'export function add(a, b) {\n  return a + b;\n}\nexport function divide(a, b) {\n  return a / b;\n}\n\nexport function mul(a, b) {\n  let r = a * b;\n  return r;\n}\n';

/** Adds attempt `n` of task "calc": a worktree on flotilla/calc-a<n> from `from`, with `content` committed as src/calc.js. */
export function addCalcAttempt(r: TempRepo, n: number, content: string, from = 'main'): string {
  const worktree = join(r.worktreeRoot, `calc-a${n}`);
  git(r.root, 'worktree', 'add', '-q', '-b', `flotilla/calc-a${n}`, worktree, from);
  writeFileSync(join(worktree, 'src', 'calc.js'), content);
  git(worktree, 'add', '-A');
  git(worktree, 'commit', '-q', '-m', `attempt ${n}`);
  patchTask(r, (task) => {
    const now = new Date().toISOString();
    (task.attempts as unknown[]).push({
      n,
      branch: `flotilla/calc-a${n}`,
      worktree,
      startPoint: from,
      state: 'finished',
      createdAt: now,
      startedAt: now,
      endedAt: now,
    });
    const pr = task.pr as Record<string, unknown>;
    pr.attempt = n;
    pr.branch = `flotilla/calc-a${n}`;
  });
  return worktree;
}

/** Edits task "calc" in the registry file directly (as another flotilla process would). */
export function patchTask(r: TempRepo, change: (task: Record<string, unknown>) => void): void {
  const file = join(r.root, '.flotilla', 'tasks.json');
  const data = JSON.parse(readFileSync(file, 'utf8'));
  change(data.tasks.find((t: { id: string }) => t.id === 'calc'));
  writeFileSync(file, JSON.stringify(data, null, 2));
}

/**
 * A temp repo with task "calc" (added through the real CLI) whose attempt 1 worktree has one commit
 * adding divide() and mul(), and a local PR record for it written into the registry.
 */
export async function setupCalcTask(config: Record<string, unknown>): Promise<TempRepo> {
  const r = makeTempRepo(config);
  r.write('src/calc.js', CALC_V1);
  r.commit('calc');
  const add = await runCli(r.root, ['add', 'Division', '--id', 'calc', '--prompt', 'add divide()']);
  if (add.code !== 0) throw new Error(`flotilla add failed: ${add.stderr}`);
  patchTask(r, (task) => {
    task.pr = {
      forge: 'local',
      number: 1,
      url: null,
      title: 'Add divide()',
      body: '## What\nAdds divide().\n',
      branch: 'flotilla/calc-a1',
      base: 'main',
      state: 'open',
      createdAt: new Date().toISOString(),
      attempt: 1,
    };
    task.state = 'checking';
  });
  addCalcAttempt(r, 1, CALC_A1);
  return r;
}

/** A task.review record around `findings` (given as a reviewer would leave them), for unit tests. */
export function reviewRecordWith(
  findings: Array<Omit<MergedFinding, 'sources' | 'severity'> & { severity: string; sources?: MergedFinding['sources'] }>,
  extra: Partial<ReviewRecord> = {},
): ReviewRecord {
  return {
    runId: 'r1',
    runAt: new Date(0).toISOString(),
    attempt: 1,
    diff: { base: 'main', head: 'HEAD', files: 1, bytes: 1, chunks: 1, truncated: false, omittedFiles: [] },
    notes: [],
    roles: [],
    succeeded: [],
    errors: [],
    dropped: 0,
    runs: [],
    ...extra,
    findings: findings.map((f) => ({ sources: [], ...f, severity: f.severity as MergedFinding['severity'] })),
  };
}
