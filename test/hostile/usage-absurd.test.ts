/**
 * Usage logs with impossible numbers (1e308, 1e309 which parses as Infinity, 1e11): the line is
 * refused, `cost` names the log file in one line, and no total is $Infinity or NaN.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeProjectDirName } from '../../src/engine/index.js';
import { TaskRegistry } from '../../src/engine/index.js';
import { taskSchema } from '../../src/engine/index.js';
import { claudeAssistantLine } from '../../src/test-support/usage-fixtures.js';
import { assertNoControlChars, crashed, git, hostileRepo, runFlotilla, type TempRepo } from './helpers.js';

let repo: TempRepo;
let logFile: string;
const env = () => ({ CLAUDE_CONFIG_DIR: join(repo.dir, 'claude-home'), CODEX_HOME: join(repo.dir, 'no-codex') });

beforeAll(async () => {
  repo = hostileRepo();
  const worktree = join(repo.worktreeRoot, 'big-a1');
  git(repo.root, 'worktree', 'add', '-q', '-b', 'flotilla/big-a1', worktree);
  const at = new Date().toISOString();
  await new TaskRegistry(join(repo.root, '.flotilla', 'tasks.json')).update((d) => {
    d.tasks.push(
      taskSchema.parse({
        id: 'big', title: 'Big', prompt: 'p', agent: 'claude', base: 'main', state: 'running', stateSince: at, createdAt: at, updatedAt: at,
        attempts: [{ n: 1, branch: 'flotilla/big-a1', worktree, startPoint: 'main', state: 'running', createdAt: at }],
      }),
    );
  });
  const dir = join(env().CLAUDE_CONFIG_DIR, 'projects', claudeProjectDirName(worktree));
  mkdirSync(dir, { recursive: true });
  logFile = join(dir, 's1.jsonl');
  const good = claudeAssistantLine({ cwd: worktree, sessionId: 's1', model: 'claude-sonnet-4-5', input: 1000, output: 1000 });
  const huge = claudeAssistantLine({ cwd: worktree, sessionId: 's1', model: 'claude-sonnet-4-5', input: 1e308, output: 1e308 });
  const inf = claudeAssistantLine({ cwd: worktree, sessionId: 's1', model: 'claude-sonnet-4-5', input: 1, output: 1 }).replace('"output_tokens":1', '"output_tokens":1e309');
  const big = claudeAssistantLine({ cwd: worktree, sessionId: 's1', model: 'claude-sonnet-4-5', input: 1e11, output: 1 });
  writeFileSync(logFile, [good, huge, inf, big].join('\n') + '\n');
});
afterAll(() => repo?.cleanup());

describe('absurd usage numbers', () => {
  it('cost: the good line priced, the bad ones refused naming the file, never $Infinity', async () => {
    const run = await runFlotilla(repo.root, ['cost'], { env: env() });
    expect(crashed(run), run.stderr).toBe(false);
    expect(run.code).toBe(0);
    assertNoControlChars(run.stdout, 'cost');
    expect(run.stdout).not.toMatch(/Infinity|NaN/);
    // sonnet: 1000*3 + 1000*15 = 18,000 µ$
    expect(run.stdout).toMatch(/total: \$0\.02/);
    const refusals = run.stdout.split('\n').filter((l) => l.startsWith('refused usage line'));
    expect(refusals).toEqual([`refused usage line(s) with impossible token counts (non-finite or over 1e10) in ${logFile}`]);
  });

  it('cost --json: finite numbers, the file listed', async () => {
    const run = await runFlotilla(repo.root, ['cost', '--json'], { env: env() });
    const report = JSON.parse(run.stdout);
    expect(report.total.usd).toBe(0.018);
    expect(report.total.tokens).toBe(2000);
    expect(report.absurdFiles).toEqual([logFile]);
    expect(run.stdout).not.toMatch(/Infinity|NaN|1e\+?30/);
  });

  it('status --json: the task cost is finite', async () => {
    const run = await runFlotilla(repo.root, ['status', '--json'], { env: env() });
    expect(JSON.parse(run.stdout).tasks[0].cost.usd).toBe(0.018);
  });
});
