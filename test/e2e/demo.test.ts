import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/test-support/temp-repo.js';

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-demo-test-')));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('flotilla demo --headless', () => {
  it('runs the four stories to the end on the embedded default, with no keys and no network', async () => {
    const demoDir = join(dir, 'demo');
    const r = await runCli(dir, ['demo', '--headless', '--dir', demoDir, '--timeout', '240'], { CLAUDE_CONFIG_DIR: '', ANTHROPIC_API_KEY: '' });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const root = join(demoDir, 'textkit');
    const status = JSON.parse((await runCli(root, ['status', '--json'])).stdout) as { tasks: Array<Record<string, any>> };
    const task = (id: string) => status.tasks.find((t) => t.id === id)!;

    // Clean story: one attempt, all gates pass, the permission question was answered.
    expect(task('word-count').state).toBe('ready');
    expect(task('word-count').attempts).toHaveLength(1);
    expect(Object.values(task('word-count').gates).every((g: any) => g.state === 'pass')).toBe(true);

    // CI failure recovered: attempt 2 continued from attempt 1's branch with the failing test's name.
    const truncate = task('truncate');
    expect(truncate.state).toBe('ready');
    expect(truncate.attempts).toHaveLength(2);
    expect(truncate.attempts[0].failure.class).toBe('ci_failed');
    expect(truncate.attempts[1].startPoint).toBe(truncate.attempts[0].branch);
    expect(truncate.attempts[1].enrichment.kinds).toContain('failing-tests');
    const learnings = readFileSync(join(root, '.flotilla', 'learnings.jsonl'), 'utf8').trim().split('\n');
    expect(learnings).toHaveLength(1);
    expect(JSON.parse(learnings[0]!)).toMatchObject({ taskId: 'truncate', class: 'ci_failed' });
    expect(JSON.parse(learnings[0]!).enrichment).toContain('failing-tests');

    // The merged one, and the one that conflicts with it: retried to the cap, then escalated once.
    expect(task('separator-dot').pr.state).toBe('merged');
    const under = task('separator-underscore');
    expect(under.state).toBe('escalated');
    expect(under.attempts).toHaveLength(3);
    expect(under.attempts[0].failure.class).toBe('conflicts');
    expect(Object.keys(under.notified ?? {}).filter((k) => k.startsWith('escalated')).length).toBeLessThanOrEqual(1);

    // Reviews: the two reviewers that flag the same line agree, and rank first.
    const review = JSON.parse((await runCli(root, ['review', 'show', 'word-count', '--json'])).stdout);
    expect(review.findings[0]).toMatchObject({ file: 'src/words.js', agreed: true });
    expect(review.findings[0].reviewers.sort()).toEqual(['logic', 'security-performance']);

    // Cost comes from the demo agent's Claude-format usage logs through the real ledger.
    const cost = JSON.parse((await runCli(root, ['cost', '--json'])).stdout);
    expect(cost.total.usd).toBeGreaterThan(0);
    expect(cost.tasks.find((t: any) => t.id === 'truncate').attempts).toBe(2);
    expect(r.stdout).toMatch(/per completed PR \(3 PRs\)/);
  }, 300_000);

  it('refuses a folder that is not empty', async () => {
    const r = await runCli(dir, ['demo', '--headless', '--dir', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('is not empty');
  });
});
