import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../core/index.js';
import { repoPaths, type RepoPaths } from '../core/index.js';
import type { Attempt, Failure, Task } from '../core/index.js';
import { buildEnrichment, checkFileScope, conflictingFiles, DEFAULT_CAPS } from './enrich.js';
import { reviewRecordWith } from '../../test-support/review-task.js';

const now = '2026-11-25T10:00:00.000Z';
let dir: string;
let paths: RepoPaths;
let worktree: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-enrich-'));
  paths = repoPaths(join(dir, 'repo'));
  worktree = join(dir, 'worktrees', 't1-a1');
  mkdirSync(join(paths.runsDir, 't1'), { recursive: true });
  mkdirSync(worktree, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function task(over: Partial<Task> = {}): Task {
  return {
    id: 't1', title: 'T', prompt: 'p', agent: 'claude', base: 'main', tags: [], after: [], context: [], state: 'failed',
    stateSince: now, reason: null, createdAt: now, updatedAt: now, attempts: [], gates: {}, pr: null, cost: null,
    notified: {}, history: [], ...over,
  };
}
const attempt: Attempt = {
  n: 1, branch: 'flotilla/t1-a1', worktree: '/x', startPoint: 'main', state: 'failed', createdAt: now, startedAt: null,
  endedAt: null, session: null, failure: null, enrichment: null, ciRounds: 1,
};
const failure = (cls: Failure['class'], evidence = ''): Failure => ({ class: cls, evidence, at: now });
const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

function withChecks(logText: string): Task {
  const log = join('.flotilla', 'runs', 't1', 'test.log');
  writeFileSync(join(paths.root, log), logText);
  return task({
    pr: {
      forge: 'local', number: 1, url: null, title: 't', body: '', branch: 'b', base: 'main', state: 'open', createdAt: now,
      attempt: 1, commits: [], diffstat: '',
      checks: [
        { name: 'test', state: 'fail', detail: 'exit 1', log },
        { name: 'lint', state: 'pass', detail: '' },
      ],
    },
  });
}

describe('buildEnrichment', () => {
  it('ci_failed: failing checks, failing tests and the log tail, ANSI stripped', async () => {
    const e = await buildEnrichment({
      paths, task: withChecks(fixture('vitest-color.txt')), attempt, failure: failure('ci_failed'), worktree, cwd: dir,
    });
    expect(e.kinds).toEqual(['failing-checks', 'failing-tests', 'check-logs']);
    expect(e.text).toContain('- test: exit 1');
    expect(e.text).not.toContain('- lint');
    expect(e.text).toContain('src/math.test.ts > math > nested group > rounds half up');
    expect(e.text).toContain('Tests  3 failed | 2 passed (5)');
    expect(e.text).not.toContain('\u001b[');
  });

  it('names the other gates that failed with the one the attempt was filed under (ci plus a custom gate; screenshots plus a custom gate)', async () => {
    const gate = (state: 'pass' | 'fail', detail: string, output?: string) => ({ state, detail, since: now, ...(output ? { output } : {}) });
    const ciAndSize = withChecks('FAILED tests/test_calc.py::test_subtract - assert 2 == 1\n');
    ciAndSize.gates = {
      pr: gate('pass', 'PR #1'),
      ci: gate('fail', 'test failed: exit 1'),
      size: gate('fail', 'exit 1: bundle too big: 900kB > 500kB', 'size check\nbundle too big: 900kB > 500kB'),
    };
    const ci = await buildEnrichment({
      paths, task: ciAndSize, attempt, failure: failure('ci_failed', 'gate ci: test failed: exit 1'), worktree, cwd: dir,
    });
    expect(ci.kinds).toEqual(['failing-checks', 'failing-tests', 'check-logs', 'other-gates']);
    expect(ci.text).toContain('### Other gates that failed (fix these too)\n\n- gate size: exit 1: bundle too big: 900kB > 500kB');
    expect(ci.text).not.toContain('- gate ci:');

    const shotsAndSize = task({
      gates: {
        ci: gate('pass', '1/1 passed'),
        screenshots: gate('fail', 'UI files changed (src/ui/a.tsx) but no screenshot'),
        size: gate('fail', 'exit 1: bundle too big'),
      },
    });
    const shots = await buildEnrichment({
      paths, task: shotsAndSize, attempt, failure: failure('review_flagged', 'gate screenshots: UI files changed (src/ui/a.tsx) but no screenshot'), worktree, cwd: dir,
    });
    expect(shots.kinds).toEqual(['gate-failure', 'other-gates']);
    expect(shots.text).toContain('- gate size: exit 1: bundle too big');
    expect(shots.text.match(/no screenshot/g)).toHaveLength(1);

    // One failing gate: nothing extra.
    shotsAndSize.gates.size = gate('pass', 'passed');
    const one = await buildEnrichment({
      paths, task: shotsAndSize, attempt, failure: failure('review_flagged', 'gate screenshots: UI files changed (src/ui/a.tsx) but no screenshot'), worktree, cwd: dir,
    });
    expect(one.kinds).toEqual(['gate-failure']);
  });

  it('never floods the prompt with a huge log', async () => {
    const noise = Array.from({ length: 200_000 }, (_, i) => `noise line ${i} ${'x'.repeat(40)}`).join('\n');
    const log = `${noise}\nFAILED tests/test_calc.py::test_subtract - assert 2 == 1\n1 failed in 0.1s\n`;
    const e = await buildEnrichment({ paths, task: withChecks(log), attempt, failure: failure('ci_failed'), worktree, cwd: dir });
    expect(e.text.length).toBeLessThanOrEqual(DEFAULT_CAPS.totalChars);
    expect(e.text).toContain('tests/test_calc.py::test_subtract');
    expect(e.text).toContain('1 failed in 0.1s');
    const tail = e.text.split('End of the log')[1]!;
    expect(tail.split('\n').length).toBeLessThanOrEqual(DEFAULT_CAPS.logLines + 8);
  });

  it('finds test names printed early in a long log (go test), while the tail shows its end', async () => {
    const noise = Array.from({ length: 100_000 }, (_, i) => `=== RUN   TestOther${i}\n--- PASS: TestOther${i} (0.00s)`).join('\n');
    const log = `--- FAIL: TestEarly (0.00s)\n${noise}\nFAIL\texample.com/x\t9.9s\n`;
    const e = await buildEnrichment({ paths, task: withChecks(log), attempt, failure: failure('ci_failed'), worktree, cwd: dir });
    expect(e.text).toContain('- TestEarly');
    expect(e.text).toContain('FAIL\texample.com/x\t9.9s');
    expect(e.text.length).toBeLessThanOrEqual(DEFAULT_CAPS.totalChars);
  });

  it('review_flagged: blocking findings become constraints', async () => {
    const t = task({
      gates: { reviews: { state: 'fail', detail: '' } },
      review: reviewRecordWith([
        { id: '1', file: 'src/a.ts', line: 4, severity: 'major', category: 'logic', message: 'loop misses the last item', reviewers: ['x'], agreed: true },
        { id: '2', file: 'src/b.ts', line: 1, severity: 'nit', category: 'style', message: 'rename', reviewers: ['x'], agreed: false },
      ]),
    });
    const e = await buildEnrichment({ paths, task: t, attempt, failure: failure('review_flagged'), worktree, cwd: dir });
    expect(e.kinds).toEqual(['review-findings']);
    expect(e.text).toContain('src/a.ts:4 [major/logic] loop misses the last item');
    expect(e.text).not.toContain('rename');
    const fromReview = await buildEnrichment({
      paths, task: t, attempt, failure: failure('review_flagged'), worktree, cwd: dir,
      reviewText: () => 'Review findings that must be fixed:\n- src/a.ts:4 [major, logic, agreed by a and b] loop',
    });
    expect(fromReview.kinds).toEqual(['review-findings']);
    expect(fromReview.text).toContain('agreed by a and b');
    // The monitor files other failed gates (screenshots, pr) under review_flagged too: their evidence is shown.
    const gate = await buildEnrichment({ paths, task: task(), attempt, failure: failure('review_flagged', 'gate screenshots: UI changed, no screenshot'), worktree, cwd: dir });
    expect(gate.kinds).toEqual(['gate-failure']);
    expect(gate.text).toContain('gate screenshots: UI changed, no screenshot');
  });

  it('conflicts: the files and the rebase instruction', async () => {
    const t = task({ gates: { rebased: { state: 'fail', detail: 'conflicts with main in: src/a.ts, docs/b.md' } } });
    expect(conflictingFiles(t, null)).toEqual(['src/a.ts', 'docs/b.md']);
    const monitorDetail = { state: 'fail' as const, detail: 'conflicts with release/1.2 in src/app.js, Makefile' };
    expect(conflictingFiles(task({ gates: { rebased: monitorDetail } }), null)).toEqual(['src/app.js', 'Makefile']);
    expect(conflictingFiles(task({ gates: { rebased: { ...monitorDetail, files: ['x/y.ts'] } } }), null)).toEqual(['x/y.ts']);
    expect(conflictingFiles(task(), failure('conflicts', 'gate rebased: conflicts with main in src/app.js'))).toEqual(['src/app.js']);
    const e = await buildEnrichment({ paths, task: t, attempt, failure: failure('conflicts', 'conflicts'), worktree, cwd: dir });
    expect(e.text).toContain('- src/a.ts\n- docs/b.md');
    expect(e.text).toContain('git rebase main');
  });

  it('crashed: the tail of the attempt log', async () => {
    mkdirSync(join(paths.logsDir, 't1'), { recursive: true });
    writeFileSync(join(paths.logsDir, 't1', '1.log'), '\u001b[1mstarting\u001b[0m\nTypeError: cannot read x\n');
    const e = await buildEnrichment({ paths, task: task(), attempt, failure: failure('crashed', 'exit code 1'), worktree, cwd: dir });
    expect(e.kinds).toEqual(['crash', 'agent-log']);
    expect(e.text).toContain('TypeError: cannot read x');
    expect(e.text).not.toContain('\u001b');
  });

  it('the human: note, narrowed scope, attached documents (capped)', async () => {
    writeFileSync(join(dir, 'spec.md'), `# Spec\n${'detail '.repeat(5000)}`);
    const e = await buildEnrichment({
      paths, task: task(), attempt, failure: failure('off_track', 'wrong'), worktree, cwd: dir,
      note: 'The requirement is X, not Y', files: ['src/a.ts', `${worktree}/src/b/`], docs: ['spec.md'],
    });
    expect(e.kinds).toEqual(['note', 'files', 'docs']);
    expect(e.note).toBe('The requirement is X, not Y');
    expect(e.files).toEqual(['src/a.ts', 'src/b']);
    expect(e.docs).toEqual([join(dir, 'spec.md')]);
    expect(e.text).toContain('# Spec');
    expect(e.text.length).toBeLessThanOrEqual(DEFAULT_CAPS.totalChars);
    expect(e.text).toContain(`cut at ${DEFAULT_CAPS.docChars}`);
  });

  it('refuses paths outside the worktree and unreadable or huge documents', async () => {
    expect(() => checkFileScope(['../other/x.ts'], worktree, paths.root)).toThrow(UsageError);
    expect(() => checkFileScope(['/etc/passwd'], worktree, paths.root)).toThrow(/outside the task's worktree/);
    expect(() => checkFileScope(['.git/config'], worktree, paths.root)).toThrow(/inside .git/);
    expect(checkFileScope([join(paths.root, 'src/x.ts')], worktree, paths.root)).toEqual(['src/x.ts']);
    const base = { paths, task: task(), attempt, failure: failure('needs_knowledge'), worktree, cwd: dir };
    await expect(buildEnrichment({ ...base, docs: ['missing.md'] })).rejects.toThrow(/--doc missing.md: cannot read/);
    writeFileSync(join(dir, 'big.md'), 'x'.repeat(300 * 1024));
    await expect(buildEnrichment({ ...base, docs: ['big.md'] })).rejects.toThrow(/over the 256 KiB cap/);
  });
});
