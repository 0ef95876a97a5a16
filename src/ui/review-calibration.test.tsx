import { render } from 'ink-testing-library';
import { afterEach, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../engine/index.js';
import { makeTempRepo, type TempRepo } from '../test-support/temp-repo.js';
import { App } from './app.js';
import { waitFor } from './testing/fixtures.js';
import { createUiStore } from './ui-store.js';
import { reviewRecordWith } from '../test-support/review-task.js';

/** The Reviews panel's calibration keys against the real engine (registry, calibration file). */

let repo: TempRepo | null = null;
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.close();
  fleet = null;
  repo?.cleanup();
  repo = null;
});

const source = (role: string, message: string) => ({ role, profile: 'claude', model: `model-${role}`, line: 3, severity: 'major' as const, category: 'correctness', message });

it('u marks the focused finding useful and D dismisses then undismisses it, through review.mark / review.dismiss', async () => {
  repo = makeTempRepo({ shared: { nodeModules: false } });
  fleet = await createFleet({ cwd: repo.root });
  await fleet.dispatch({ type: 'task.add', input: { title: 'Calibrate', id: 'cal', prompt: 'p' } });
  await fleet.registry.updateTask('cal', (task) => {
    // A review record as the schema declares it (the registry refuses any other shape).
    task.review = reviewRecordWith(
      [
        { id: 'aaaa1111', file: 'src/x.ts', line: 3, severity: 'major', category: 'correctness', message: 'off by one', reviewers: ['bugs', 'security'], agreed: true, sources: [source('bugs', 'off by one'), source('security', 'off by one')] },
      ],
      { runAt: new Date().toISOString(), roles: ['bugs', 'security'], succeeded: ['bugs', 'security'] },
    );
  });
  await fleet.refresh();
  const ui = createUiStore();
  const view = render(<App fleet={fleet} ui={ui} onRequest={() => {}} size={{ columns: 120, rows: 40 }} />);
  const press = async (k: string) => {
    view.stdin.write(k);
    await new Promise((r) => setTimeout(r, 15));
  };
  const frame = () => view.lastFrame() ?? '';
  const finding = async () => ((await fleet!.registry.read()).tasks.find((t) => t.id === 'cal') as { review?: { findings: Array<Record<string, unknown>> } }).review!.findings[0]!;

  await waitFor(() => expect(frame()).toContain('cal'));
  await press(']');
  await waitFor(() => expect(frame()).toMatch(/›✓✓ major\s+src\/x\.ts:3 off by one/));
  await press('u');
  await waitFor(() => expect(frame()).toContain('marked finding aaaa1111 of cal useful'));
  expect((await finding()).mark).toBe('useful');
  await waitFor(() => expect(frame()).toContain('[useful] src/x.ts:3'));
  await press('D');
  await waitFor(() => expect(frame()).toContain('dismissed finding aaaa1111 of cal'));
  expect((await finding()).dismissed).toBe(true);
  await waitFor(() => expect(frame()).toContain('[dismissed] src/x.ts:3'));
  await press('D');
  await waitFor(() => expect(frame()).toContain('undismissed finding aaaa1111 of cal'));
  expect((await finding()).dismissed).toBeUndefined();
  view.unmount();
});
