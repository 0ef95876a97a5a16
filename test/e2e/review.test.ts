import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { delimiter, dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/engine/index.js';
import { evaluateReviewsGate } from '../../src/engine/index.js';
import { parseRegistry } from '../../src/engine/index.js';
import { scriptedReviewConfig, scriptedReviewer, setupCalcTask } from '../../src/test-support/review-task.js';
import { BIN, PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const reviewer = scriptedReviewer;
const configFor = scriptedReviewConfig;

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

beforeAll(() => {
  if (!existsSync(join(PROJECT_ROOT, 'dist', 'cli', 'main.js'))) throw new Error('run `npm run build` first');
});

const setupTask = setupCalcTask;

function registry(r: TempRepo) {
  const file = join(r.root, '.flotilla', 'tasks.json');
  return parseRegistry(file, readFileSync(file, 'utf8'));
}

async function gate(r: TempRepo) {
  const config = await loadConfig(join(r.root, '.flotilla', 'config.json'));
  return evaluateReviewsGate(registry(r).tasks[0]!, config);
}

describe('flotilla review (scripted reviewers)', () => {
  it('puts the agreed finding first with both reviewers; the gate fails on it and passes once dismissed', async () => {
    repo = await setupTask(
      configFor([reviewer('logic', 'prose', { blocking: true }), reviewer('security', 'claude'), reviewer('conventions', 'codex')]),
    );
    expect((await gate(repo)).state).toBe('pending');

    const run = await runCli(repo.root, ['review', 'calc', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(3);
    const out = JSON.parse(run.stdout);
    expect(out.errors).toEqual([]);
    expect(out.findings).toHaveLength(2);
    const [agreed, single] = out.findings;
    expect(agreed).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}$/),
      file: 'src/calc.js',
      line: 3,
      severity: 'critical',
      category: 'correctness',
      message: 'division by zero returns Infinity silently',
      reviewers: ['logic', 'security'],
      agreed: true,
    });
    expect(single).toMatchObject({ file: 'src/calc.js', line: 9, reviewers: ['conventions'], agreed: false, severity: 'minor' });
    expect(Object.keys(single).sort()).toEqual(['agreed', 'category', 'file', 'id', 'line', 'message', 'reviewers', 'severity']);

    const status = JSON.parse((await runCli(repo.root, ['status', '--json'])).stdout);
    expect(status.tasks[0].review).toMatchObject({ attempt: 1, findings: 2, agreed: 1, folded: 0, dismissed: 0, errors: 0 });

    const g = await gate(repo);
    expect(g.state).toBe('fail');
    expect(g.detail).toContain(agreed.id);

    // Stored with the local PR record, and each reviewer's raw output kept 0600 for cost.
    const task = registry(repo).tasks[0]! as Record<string, any>;
    expect(task.pr.review.comments.map((c: { findingId: string }) => c.findingId)).toEqual([agreed.id, single.id]);
    expect(task.review.runs).toHaveLength(3);
    for (const rec of task.review.runs) {
      expect(rec).toMatchObject({ runId: task.review.runId, ok: true, try: 1 });
      expect(rec.outputFile).toContain(join('.flotilla', 'runs', 'calc', `review-${task.review.runId}`));
      expect(statSync(rec.outputFile).mode & 0o777).toBe(0o600);
    }
    expect(task.review.runs.find((r: { role: string }) => r.role === 'security').usage.costUsd).toBe(0.0123);

    const text = await runCli(repo.root, ['review', 'show', 'calc']);
    expect(text.code).toBe(3);
    expect(text.stdout.split('\n')[1]).toMatch(new RegExp(`^●● ${agreed.id} +critical +src/calc.js:3 .*logic \\+ security`));

    const dismiss = await runCli(repo.root, ['review', 'dismiss', 'calc', agreed.id.slice(0, 5)]);
    expect(dismiss.code, dismiss.stderr).toBe(0);
    expect((await gate(repo)).state).toBe('pass');
    const shown = JSON.parse((await runCli(repo.root, ['review', 'show', 'calc', '--json'])).stdout);
    expect(shown.findings.map((f: { id: string }) => f.id)).toEqual([single.id]);

    // A new review keeps the dismissal (same finding, same id).
    const again = await runCli(repo.root, ['review', 'calc', '--json']);
    expect(again.code).toBe(0);
    expect((await gate(repo)).state).toBe('pass');
    expect((registry(repo).tasks[0] as Record<string, any>).review.runs).toHaveLength(6);
  });

  it('counts a reviewer that times out, exits non-zero or prints nonsense as one error each, retried once', async () => {
    repo = await setupTask(
      configFor([
        reviewer('logic', 'prose'),
        reviewer('slow', 'slow', { timeoutSec: 1 }),
        reviewer('babble', 'nonsense'),
        reviewer('crash', 'fail'),
        reviewer('flaky', 'flaky'),
      ]),
    );
    const run = await runCli(repo.root, ['review', 'calc', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.findings.map((f: { reviewers: string[] }) => f.reviewers)).toEqual([['logic'], ['flaky']]);
    const byRole = Object.fromEntries(out.errors.map((e: { role: string; message: string }) => [e.role, e.message]));
    expect(Object.keys(byRole).sort()).toEqual(['babble', 'crash', 'slow']);
    expect(byRole.slow).toMatch(/timed out after 1s/);
    expect(byRole.babble).toMatch(/no findings JSON in the output: As an AI language model/);
    expect(byRole.crash).toMatch(/exited 2: reviewer crashed: quota exceeded/);
    const task = registry(repo).tasks[0] as Record<string, any>;
    expect(task.review.errors.every((e: { tries: number }) => e.tries === 2)).toBe(true);
    expect(task.review.runs.filter((r: { role: string }) => r.role === 'flaky').map((r: { ok: boolean }) => r.ok)).toEqual([false, true]);

    const text = await runCli(repo.root, ['review', 'show', 'calc']);
    expect(text.stdout).toContain('error: reviewer slow (model-slow) failed: timed out after 1s');
  });

  it('Ctrl-C cancels a review: the reviewers\' process groups are killed and nothing is stored', async () => {
    repo = await setupTask(configFor([reviewer('slow', 'slow', { timeoutSec: 120 })]));
    const child = spawn(process.execPath, [BIN, 'review', 'calc'], { cwd: repo.root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const mine = () =>
      execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((l) => l.includes(repo!.dir) && l.includes('slow.prompt.md'));
    // Wait until the reviewer and its own child are both running.
    for (let i = 0; i < 200 && mine().length < 2; i++) await sleep(50);
    expect(mine()).toHaveLength(2);
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    expect(stderr).toMatch(/review of calc cancelled/);
    for (let i = 0; i < 100 && mine().length > 0; i++) await sleep(50);
    expect(mine()).toEqual([]);
    expect((registry(repo).tasks[0] as Record<string, unknown>).review).toBeUndefined();
  });

  it('folds non-critical findings of a model × role the human marked as noise', async () => {
    repo = await setupTask(configFor([reviewer('logic', 'prose'), reviewer('pedant', 'nits')]));
    const first = JSON.parse((await runCli(repo.root, ['review', 'calc', '--json'])).stdout);
    const nits = first.findings.filter((f: { reviewers: string[] }) => f.reviewers[0] === 'pedant');
    expect(nits).toHaveLength(3);
    const logic = first.findings.find((f: { reviewers: string[] }) => f.reviewers[0] === 'logic');

    for (const f of nits) {
      const m = await runCli(repo.root, ['review', 'mark', 'calc', f.id, 'noise']);
      expect(m.code, m.stderr).toBe(0);
    }
    expect((await runCli(repo.root, ['review', 'mark', 'calc', logic.id, 'useful'])).code).toBe(0);
    const calibrationFile = join(repo.root, '.flotilla', 'calibration.json');
    expect(statSync(calibrationFile).mode & 0o777).toBe(0o600);
    const calibration = JSON.parse(readFileSync(calibrationFile, 'utf8'));
    expect(calibration.reviewers['model-nits×pedant']).toMatchObject({ useful: 0, noise: 3, actedOn: 0, precision: 0 });

    // Folded now, and in the next review too; shown on request.
    const shown = JSON.parse((await runCli(repo.root, ['review', 'show', 'calc', '--json'])).stdout);
    expect(shown.findings.map((f: { id: string }) => f.id)).toEqual([logic.id]);
    const second = JSON.parse((await runCli(repo.root, ['review', 'calc', '--json'])).stdout);
    expect(second.findings.map((f: { id: string }) => f.id)).toEqual([logic.id]);
    const all = JSON.parse((await runCli(repo.root, ['review', 'show', 'calc', '--all', '--json'])).stdout);
    expect(all.findings.filter((f: { folded: boolean }) => f.folded)).toHaveLength(3);
    const text = await runCli(repo.root, ['review', 'show', 'calc']);
    expect(text.stdout).toContain('3 folded finding(s) from low-precision reviewers');
  });

  it('refuses bad input with one line and exit 2', async () => {
    repo = await setupTask(configFor([reviewer('logic', 'prose')]));
    const cases: Array<[string[], RegExp]> = [
      [['review', 'Bad_Id'], /not a valid slug/],
      [['review', 'nope'], /no task "nope"/],
      [['review', 'show', 'calc'], /has not been reviewed yet/],
      [['review', 'mark', 'calc', 'abcd', 'great'], /must be "useful" or "noise"/],
      [['review', 'calc', '--role', 'ghost'], /unknown reviewer role/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(repo.root, args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    await runCli(repo.root, ['review', 'calc']);
    const r = await runCli(repo.root, ['review', 'dismiss', 'calc', 'ffffffff']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no finding "ffffffff"/);
  });
});

describe('flotilla review with no reviewer to run', () => {
  // A PATH with node and git but none of the default reviewers' CLIs.
  const path = [dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter);
  const clis = ['claude', 'codex', 'gemini'].filter((c) => path.split(delimiter).some((d) => existsSync(join(d, c))));
  it.skipIf(clis.length > 0)('says no default reviewer CLI is installed and how to configure reviewers, not that a key is empty', async () => {
    repo = makeTempRepo();
    expect((await runCli(repo.root, ['add', 'Calc', '--prompt', 'p'])).code).toBe(0);
    const r = await runCli(repo.root, ['review', 'calc'], { PATH: path });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/none of the default reviewers' CLIs \(claude, codex, gemini\) is installed; set "reviewers" in .*config\.json/);
  });
});

