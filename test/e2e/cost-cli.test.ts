import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TaskRegistry } from '../../src/engine/index.js';
import { taskSchema } from '../../src/engine/index.js';
import { PROJECT_ROOT, git, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const AGENT = join(PROJECT_ROOT, 'assets', 'demo-agent', 'demo-agent.mjs');
let repo: TempRepo;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  repo = makeTempRepo();
  // Keep the user's real ~/.claude and ~/.codex out of the test.
  env = { CLAUDE_CONFIG_DIR: join(repo.dir, 'no-claude'), CODEX_HOME: join(repo.dir, 'no-codex') };
});
afterEach(() => repo.cleanup());

describe('flotilla cost', () => {
  it('shows the demo agent\'s usage, written in Claude Code\'s log format, as the task\'s cost', async () => {
    const worktree = join(repo.worktreeRoot, 'greet-a1');
    git(repo.root, 'worktree', 'add', '-q', '-b', 'flotilla/greet-a1', worktree);
    const at = new Date().toISOString();
    await new TaskRegistry(join(repo.root, '.flotilla', 'tasks.json')).update((d) => {
      d.tasks.push(
        taskSchema.parse({
          id: 'greet',
          title: 'Greet',
          prompt: 'p',
          agent: 'claude',
          base: 'main',
          state: 'running',
          stateSince: at,
          createdAt: at,
          updatedAt: at,
          attempts: [{ n: 1, branch: 'flotilla/greet-a1', worktree, startPoint: 'main', state: 'running', createdAt: at }],
        }),
      );
    });
    const prompt = [
      'demo: write greet.txt "hi"',
      'demo: commit "greet"',
      'demo: usage model=claude-sonnet-4-5 input=1200 output=800 cacheRead=10000 cacheWrite=2000',
      'demo: usage model=claude-haiku-4-5 input=1000 output=1000',
      'demo: exit 0',
    ].join('\n');
    const agent = spawnSync(process.execPath, [AGENT, prompt], {
      cwd: worktree,
      env: { ...process.env, CLAUDE_CONFIG_DIR: join(repo.root, '.flotilla', 'demo-claude'), GIT_AUTHOR_NAME: 'd', GIT_AUTHOR_EMAIL: 'd@x.invalid', GIT_COMMITTER_NAME: 'd', GIT_COMMITTER_EMAIL: 'd@x.invalid' },
      encoding: 'utf8',
      input: '',
    });
    expect(agent.status).toBe(0);

    const res = await runCli(repo.root, ['cost', '--json'], env);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    const report = JSON.parse(res.stdout);
    // sonnet: 1200*3 + 800*15 + 10000*0.3 + 2000*3.75 = 26,100 µ$; haiku: 1000*1 + 1000*5 = 6,000 µ$
    expect(report.tasks).toHaveLength(1);
    expect(report.tasks[0]).toMatchObject({ id: 'greet', usd: 0.0321, tokens: 16_000, attempts: 1, reviews: 0, unknownModels: [] });
    expect(report.tasks[0].byAttempt).toHaveLength(1);
    expect(report.total).toMatchObject({ usd: 0.0321, tokens: 16_000 });

    const status = JSON.parse((await runCli(repo.root, ['status', '--json'], env)).stdout);
    expect(status.tasks[0].cost).toMatchObject({ usd: 0.0321, tokens: 16_000, attempts: 1, reviews: 0, unknownModels: [] });

    const table = await runCli(repo.root, ['cost', 'greet'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/greet\s+running\s+1\s+0\s+16\.0k\s+\$0\.03/);
    expect(table.stdout).toContain('attempt 1: $0.03');

    const bad = await runCli(repo.root, ['cost', 'nope'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no task "nope"');
  });
});
