import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { ResourcesSnapshot } from '../../engine/index.js';
import { T0, makeTask, testConfig } from '../testing/fixtures.js';
import { reviewRecordWith } from '../../test-support/review-task.js';
import { costLines, costPerCompletedPr } from './CostPanel.js';
import { Panels, type PanelsProps } from './Panels.js';
import { gauge } from './QueuePanel.js';

const base: PanelsProps = {
  panel: 'gates',
  task: undefined,
  tasks: [],
  config: testConfig(),
  admissionAvailable: false,
  resources: null,
  resourcesError: null,
  width: 100,
  height: 10,
};
const pr = (number: number, extra: object = {}) =>
  ({ forge: 'local', number, url: null, title: 't', body: '', branch: 'b', base: 'main', state: 'open', createdAt: T0, commits: [], diffstat: '', checks: [], ...extra }) as never;

describe('Panels', () => {
  it('shows the tab row with the current panel', () => {
    const frame = render(<Panels {...base} />).lastFrame()!;
    expect(frame).toMatch(/Gates\s+Queue\s+Reviews\s+Cost/);
    expect(frame).toContain('no task selected');
  });

  it('Gates: each gate with its detail and the PR checks', () => {
    const task = makeTask({
      id: 'a',
      gates: { pr: { state: 'pass', detail: 'PR #3 opened' }, ci: { state: 'fail', detail: '1 of 2 checks failed' } },
      pr: pr(3, { checks: [{ name: 'test', state: 'fail', detail: 'exit 1' }] }),
    });
    const frame = render(<Panels {...base} task={task} />).lastFrame()!;
    expect(frame).toMatch(/✓ pr\s+PR #3 opened/);
    expect(frame).toMatch(/✗ ci\s+1 of 2 checks failed/);
    expect(frame).toMatch(/· rebased\s+not evaluated yet/);
    expect(frame).toMatch(/✗ test exit 1/);
  });

  it('Gates: honest empty state before the monitor ran', () => {
    expect(render(<Panels {...base} task={makeTask({ id: 'a' })} />).lastFrame()).toContain('no gate results yet for a');
  });

  it('Gates: with no gates in config it says so, not that the monitor has yet to check', () => {
    const frame = render(<Panels {...base} config={testConfig({ gates: [] })} task={makeTask({ id: 'a' })} />).lastFrame()!;
    expect(frame).toContain('no gates configured (config "gates"): a has none to pass');
    expect(frame).not.toContain('not checked');
  });

  it('Queue: not available without admission; gauge, jobs, reasons and recommendation with it', () => {
    expect(render(<Panels {...base} panel="queue" />).lastFrame()).toContain('admission queue not available yet');
    const snap: ResourcesSnapshot = {
      totalMB: 16384,
      availableMB: 4096,
      reserveMB: 2048,
      swapping: false,
      running: [{ id: '1', kind: 'agent', label: 'agent login-fix', since: T0, expectedPeakMB: 1536 }],
      waiting: [{ id: '2', kind: 'check', label: 'check:test docs', since: T0, expectedPeakMB: 1024, reason: 'waiting: 2/2 build slots busy' }],
      recommendation: { agents: 3, reason: 'free memory covers 3 more agents' },
    };
    const frame = render(<Panels {...base} panel="queue" admissionAvailable resources={snap} />).lastFrame()!;
    expect(frame).toMatch(/RAM █+░+ 12\.0G\/16\.0G used, 4\.0G free, reserve 2\.0G/);
    expect(frame).toContain('running 1, waiting 1; recommended agents: 3');
    expect(frame).toMatch(/agent\s+agent login-fix/);
    expect(frame).toMatch(/check\s+check:test docs waiting: 2\/2 build slots busy/);
    expect(render(<Panels {...base} panel="queue" admissionAvailable resourcesError="boom" />).lastFrame()).toContain('admission: boom');
  });

  it('Reviews: agreed findings first with marks, folded ones counted', () => {
    const task = makeTask({ id: 'a', review: reviewRecordWith([
        { id: 'f1', file: 'src/a.ts', line: 4, severity: 'minor', category: 'style', message: 'naming', reviewers: ['style'], agreed: false },
        { id: 'f2', file: 'src/b.ts', line: 9, severity: 'major', category: 'bug', message: 'off by one', reviewers: ['bugs', 'security'], agreed: true },
        { id: 'f3', file: 'src/c.ts', line: 1, severity: 'nit', category: 'style', message: 'folded away', reviewers: ['style'], agreed: false, folded: true },
      ], { runAt: T0, attempt: 2, errors: [{ role: 'perf', profile: 'claude', model: 'm', message: 'timeout', tries: 2 }] }) });
    const frame = render(<Panels {...base} panel="reviews" task={task} />).lastFrame()!;
    expect(frame).toContain('3 findings on attempt 2, 1 folded, 1 reviewer error');
    const lines = frame.split('\n');
    const agreed = lines.findIndex((l) => l.includes('off by one'));
    const single = lines.findIndex((l) => l.includes('naming'));
    expect(agreed).toBeGreaterThan(-1);
    expect(agreed).toBeLessThan(single);
    expect(lines[agreed]).toMatch(/✓✓ major\s+src\/b\.ts:9 off by one \[bugs,security\]/);
    expect(frame).not.toContain('folded away');
    expect(render(<Panels {...base} panel="reviews" task={makeTask({ id: 'b' })} />).lastFrame()).toContain('no review yet for b');
  });

  it('Reviews: the focused finding is marked, marks and dismissal show, z lists folded ones', () => {
    const task = makeTask({ id: 'a', review: reviewRecordWith([
        { id: 'f1', file: 'src/a.ts', line: 4, severity: 'minor', category: 'style', message: 'naming', reviewers: ['style'], agreed: false, mark: 'noise', dismissed: true },
        { id: 'f2', file: 'src/b.ts', line: 9, severity: 'major', category: 'bug', message: 'off by one', reviewers: ['bugs', 'security'], agreed: true, mark: 'useful' },
        { id: 'f3', file: 'src/c.ts', line: 1, severity: 'nit', category: 'style', message: 'folded away', reviewers: ['style'], agreed: false, folded: true },
      ]) });
    const frame = render(<Panels {...base} panel="reviews" task={task} findingCursor={1} />).lastFrame()!;
    const lines = frame.split('\n');
    expect(lines.find((l) => l.includes('off by one'))).toMatch(/│ ✓✓ major\s+\[useful\] src\/b\.ts:9/);
    expect(lines.find((l) => l.includes('naming'))).toMatch(/│›✓  minor\s+\[noise\] \[dismissed\] src\/a\.ts:4/);
    expect(frame).not.toContain('folded away');
    const all = render(<Panels {...base} panel="reviews" task={task} findingCursor={2} showFolded />).lastFrame()!;
    expect(all).toContain('1 folded (shown)');
    expect(all.split('\n').find((l) => l.includes('folded away'))).toMatch(/›✓  nit\s+\[folded\] src\/c\.ts:1/);
  });

  it('Reviews: a focused finding below the fold scrolls into view', () => {
    const findings = Array.from({ length: 12 }, (_, i) => ({ id: `f${i}`, file: `src/f${i}.ts`, line: 1, severity: 'minor', category: 'style', message: `finding number ${i}`, reviewers: ['style'], agreed: false }));
    const task = makeTask({ id: 'a', review: reviewRecordWith(findings) });
    const frame = render(<Panels {...base} panel="reviews" task={task} height={8} findingCursor={10} />).lastFrame()!;
    expect(frame).toMatch(/›✓  minor\s+src\/f10\.ts:1 finding number 10/);
    expect(frame).not.toContain('finding number 0 ');
    expect(frame).toMatch(/… \d+ more/);
  });

  it('Cost: per attempt and per review, and cost per completed PR', () => {
    const task = makeTask({ id: 'a', state: 'ready', pr: pr(1), cost: { usd: 3, tokens: 1200, byAttempt: [{ attempt: 1, usd: 1 }, { attempt: 2, usd: 1.5 }], byReview: [{ role: 'bugs', attempt: 2, usd: 0.5 }] } });
    const other = makeTask({ id: 'b', state: 'ready', pr: pr(2), cost: { usd: 1 } });
    const frame = render(<Panels {...base} panel="cost" task={task} tasks={[task, other]} />).lastFrame()!;
    expect(frame).toContain('a: $3.00 (1200 tokens)');
    expect(frame).toMatch(/attempt 1\s+\$1\.00/);
    expect(frame).toMatch(/attempt 2\s+\$1\.50/);
    expect(frame).toMatch(/review bugs \(a2\)\s+\$0\.50/);
    expect(frame).toContain('cost per completed PR: $2.00 over 2');
    expect(render(<Panels {...base} panel="cost" task={makeTask({ id: 'c' })} tasks={[]} />).lastFrame()).toContain('no usage recorded for c yet');
    const unpriced = makeTask({ id: 'd', cost: { usd: null, usdKnown: 0.4, unknownModels: ['mystery-1'], byAttempt: [{ attempt: 1, usd: null }] } });
    const f2 = render(<Panels {...base} panel="cost" task={unpriced} tasks={[unpriced]} />).lastFrame()!;
    expect(f2).toContain('d: ? (priced part $0.40) unpriced models: mystery-1');
    expect(f2).toMatch(/attempt 1\s+\?/);
  });
});

describe('panel helpers', () => {
  it('gauge fills proportionally', () => {
    expect(gauge(5, 10, 10)).toBe('█████░░░░░');
    expect(gauge(0, 0, 4)).toBe('░░░░');
  });
  it('cost per completed PR is unknown when one completed task has no price', () => {
    const t = (id: string, usd: number | null) => makeTask({ id, state: 'ready', pr: pr(1), cost: { usd } });
    expect(costPerCompletedPr([t('a', 1), t('b', null)])).toEqual({ count: 2, usd: null });
    expect(costPerCompletedPr([])).toEqual({ count: 0, usd: null });
    expect(costLines([{ attempt: 1, usd: 0.25 }, { usd: null }], 'attempt')).toEqual([{ label: 'attempt 1', usd: 0.25 }, { label: 'attempt 2', usd: null }]);
  });
});
