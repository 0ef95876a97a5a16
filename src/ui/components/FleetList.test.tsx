import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { T0, makeAttempt, makeTask, testConfig } from '../testing/fixtures.js';
import { FleetList } from './FleetList.js';

const now = Date.parse(T0) + 90_000;

describe('FleetList', () => {
  it('shows id, agent, status, attempt N/max, a glyph per gate, PR, cost and time in state', () => {
    const tasks = [
      makeTask({
        id: 'login-fix',
        agent: 'codex',
        state: 'running',
        attempts: [makeAttempt(1), makeAttempt(2, { state: 'waiting' })],
        gates: { pr: { state: 'pass', detail: '' }, ci: { state: 'fail', detail: 'tests' } },
        pr: { forge: 'local', number: 7, title: 't', body: '', branch: 'b', base: 'main', state: 'open', createdAt: T0 } as never,
        cost: { usd: 1.5 },
      }),
      makeTask({ id: 'docs', state: 'new', cost: { usd: null } }),
    ];
    const { lastFrame } = render(<FleetList tasks={tasks} selectedId="login-fix" config={testConfig()} width={100} height={8} filter="" now={now} />);
    const frame = lastFrame()!;
    const row = frame.split('\n').find((l) => l.includes('login-fix'))!;
    expect(row).toMatch(/◆ login-fix\s+codex\s+running\/waiting\s+2\/3\s+✓·✗·\s+#7\s+\$1\.50\s+1m/);
    const docs = frame.split('\n').find((l) => l.includes('docs'))!;
    expect(docs).toMatch(/○ docs\s+claude\s+new\s+0\/3\s+····\s+-\s+\?\s+1m/);
    expect(frame).toContain('Tasks 2');
  });

  it('an empty list says how to add a task; a filter with no match says so', () => {
    expect(render(<FleetList tasks={[]} selectedId={null} config={testConfig()} width={80} height={6} filter="" />).lastFrame()).toContain('no tasks yet: n adds one');
    expect(render(<FleetList tasks={[]} selectedId={null} config={testConfig()} width={80} height={6} filter="zzz" />).lastFrame()).toContain('no task matches "zzz"');
  });

  it('scrolls to keep the selected row visible', () => {
    const tasks = Array.from({ length: 20 }, (_, i) => makeTask({ id: `task-${String(i).padStart(2, '0')}` }));
    const frame = render(<FleetList tasks={tasks} selectedId="task-15" config={testConfig()} width={80} height={8} filter="" />).lastFrame()!;
    expect(frame).toContain('task-15');
    expect(frame).not.toContain('task-00');
  });

  it('uses the configured attempt cap', () => {
    const frame = render(
      <FleetList tasks={[makeTask({ id: 'a', attempts: [makeAttempt(1)] })]} selectedId="a" config={testConfig({ recovery: { maxAttempts: 5 } })} width={80} height={6} filter="" />,
    ).lastFrame()!;
    expect(frame).toMatch(/1\/5/);
  });
});
