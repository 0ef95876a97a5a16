/**
 * Outside text through every panel of the fleet view (ink-testing-library): gate details, PR check
 * names and details, review findings, cost labels and unpriced model names, queue labels and
 * reasons, notifications and notices in the status bar, dialogs and the text overlay (diff, logs),
 * the live pane heading. No frame may hold a control character but newline and tab.
 */
import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { ResourcesSnapshot } from '../../src/engine/index.js';
import { ConfirmDialog, InputDialog, TextOverlay } from '../../src/ui/components/Dialogs.js';
import { FleetList } from '../../src/ui/components/FleetList.js';
import { LivePane } from '../../src/ui/components/LivePane.js';
import { Panels, type PanelsProps } from '../../src/ui/components/Panels.js';
import { StatusBar } from '../../src/ui/components/StatusBar.js';
import { buildKeymap } from '../../src/ui/keys.js';
import { T0, makeTask, testConfig } from '../../src/ui/testing/fixtures.js';
import { HOSTILE_ALL, HOSTILE_CORPUS, assertNoControlChars } from './helpers.js';

const S = Object.entries(HOSTILE_CORPUS)
  .filter(([k]) => k !== 'longLine')
  .map(([, v]) => v)
  .join(' ');

function hostileTask() {
  const task = makeTask({
    id: 'evil',
    title: `T ${S}`,
    agent: `claude${S}`,
    state: 'failed',
    reason: `reason ${HOSTILE_ALL}`,
    gates: { pr: { state: 'pass', detail: `PR ${S}` }, ci: { state: 'fail', detail: `ci ${HOSTILE_ALL}` } },
    pr: {
      forge: 'local', number: 3, url: `https://x/${S}`, title: `PR ${S}`, body: HOSTILE_ALL, branch: 'b', base: 'main', state: 'open', createdAt: T0,
      commits: [], diffstat: '', checks: [{ name: `check ${S}`, state: 'fail', detail: `detail ${HOSTILE_ALL}` }],
    } as never,
    cost: { usd: null, usdKnown: 0.4, tokens: 10, unknownModels: [`model${S}`], byAttempt: [{ attempt: 1, usd: null }], byReview: [{ role: `role${S}`, attempt: 1, usd: 0.1 }] },
  });
  (task as Record<string, unknown>).review = {
    runAt: T0,
    attempt: 1,
    findings: [
      { id: 'f1', file: `src/${S}.ts`, line: 4, severity: 'critical', category: `cat${S}`, message: `msg ${HOSTILE_ALL}`, reviewers: [`rev${S}`], agreed: true },
    ],
    errors: [{ role: `perf${S}`, message: S }],
  };
  return task;
}

const resources = {
  totalMB: 16000, availableMB: 8000, reserveMB: 2000, swapping: false,
  running: [{ id: 'j1', kind: 'check', label: `label ${S}`, expectedPeakMB: 100 }],
  waiting: [{ id: 'j2', kind: 'agent', label: `wait ${S}`, reason: `why ${S}`, expectedPeakMB: 100 }],
  recommendation: { agents: 2, reason: `rec ${S}` },
} as unknown as ResourcesSnapshot;

const frameOf = (el: React.ReactElement) => render(el).lastFrame() ?? '';

describe('fleet view: no outside control character reaches a frame', () => {
  const task = hostileTask();
  const base: PanelsProps = {
    panel: 'gates', task, tasks: [task], config: testConfig(), admissionAvailable: true, resources, resourcesError: null, width: 120, height: 14,
  };

  for (const panel of ['gates', 'queue', 'reviews', 'cost'] as const) {
    it(`${panel} panel`, () => {
      const frame = frameOf(<Panels {...base} panel={panel} />);
      expect(frame.length).toBeGreaterThan(0);
      assertNoControlChars(frame, `${panel} panel`);
    });
  }

  it('queue panel with an admission error', () => {
    assertNoControlChars(frameOf(<Panels {...base} panel="queue" resourcesError={`err ${S}`} />), 'queue error');
  });

  it('fleet list', () => {
    assertNoControlChars(frameOf(<FleetList tasks={[task]} selectedId="evil" config={testConfig()} width={120} height={8} filter={`f${S}`} />), 'fleet list');
  });

  it('status bar: notice and notification', () => {
    const keymap = buildKeymap();
    assertNoControlChars(
      frameOf(<StatusBar keymap={keymap} hasTask notice={{ text: `notice ${S}`, tone: 'error', at: Date.now() } as never} notification={undefined} width={200} />),
      'status bar notice',
    );
    assertNoControlChars(
      frameOf(<StatusBar keymap={keymap} hasTask notice={null} notification={{ id: 'n', at: T0, kind: 'escalated', taskId: 'evil', message: `evil escalated: ${HOSTILE_ALL}` }} width={200} />),
      'status bar notification',
    );
  });

  it('dialogs and the text overlay (diff output, logs)', () => {
    assertNoControlChars(frameOf(<ConfirmDialog message={`remove ${S}?`} width={80} />), 'confirm');
    assertNoControlChars(frameOf(<InputDialog title={`t${S}`} value={`v${S}`} hint="h" width={80} />), 'input');
    const overlay = frameOf(<TextOverlay title={`diff ${S}`} text={`+added ${S}\n-removed ${S}\n ${HOSTILE_ALL}`} scroll={0} width={100} height={10} />);
    assertNoControlChars(overlay, 'text overlay');
    expect(overlay).toContain('+added');
  });

  it('live pane heading', () => {
    assertNoControlChars(
      frameOf(<LivePane title={`evil ${S}`} taskId={null} sessions={undefined} width={80} height={6} cols={78} rows={4} emptyText={`empty ${S}`} />),
      'live pane',
    );
  });
});
