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
    expect(row).toMatch(/◆ login-fix\s+Task login-fix\s+codex\s+running\/waiting\s+2\/3\s+✓·✗·\s+#7\s+\$1\.50\s+1m/);
    const docs = frame.split('\n').find((l) => l.includes('docs'))!;
    expect(docs).toMatch(/○ docs\s+Task docs\s+claude\s+new\s+0\/3\s+····\s+-\s+\?\s+1m/);
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

  it('pins the orchestrator on top with its own glyph and label, no attempt, gates or PR', () => {
    const orch = makeTask({ id: 'orchestrator', state: 'running', attempts: [makeAttempt(1, { state: 'idle' })], gates: { pr: { state: 'pass', detail: '' } } });
    (orch as Record<string, unknown>).kind = 'orchestrator';
    const tasks = [orch, makeTask({ id: 'work', state: 'new' })];
    const frame = render(<FleetList tasks={tasks} selectedId="work" config={testConfig()} width={100} height={8} filter="" now={now} />).lastFrame()!;
    const lines = frame.split('\n');
    const row = lines.find((l) => l.includes('orchestrator'))!;
    expect(lines.indexOf(row)).toBeLessThan(lines.findIndex((l) => l.includes('work')));
    expect(row).toMatch(/◈ orchestrator\s+Task orchestrator\s+claude\s+running\/idle\s+-\s+-\s+-\s+-\s+1m/);
    expect(frame).toContain('Tasks 1 + orchestrator');
    // With only the orchestrator the list still says how to add a task.
    const alone = render(<FleetList tasks={[orch]} selectedId="orchestrator" config={testConfig()} width={100} height={8} filter="" now={now} />).lastFrame()!;
    expect(alone).toContain('◈ orchestrator');
    expect(alone).toContain('no tasks yet: n adds one');
  });

  it('a task whose PR is merged shows "merged"', () => {
    const merged = makeTask({
      id: 'shipped',
      state: 'ready',
      pr: { forge: 'local', number: 3, title: 't', body: '', branch: 'b', base: 'main', state: 'merged', createdAt: T0 } as never,
    });
    const open = makeTask({ id: 'pending', state: 'ready', pr: { forge: 'local', number: 4, title: 't', body: '', branch: 'b', base: 'main', state: 'open', createdAt: T0 } as never });
    const frame = render(<FleetList tasks={[merged, open]} selectedId="shipped" config={testConfig()} width={100} height={8} filter="" now={now} />).lastFrame()!;
    expect(frame.split('\n').find((l) => l.includes('shipped'))).toMatch(/◉ shipped\s+Task shipped\s+claude\s+merged\s+0\/3\s+····\s+#3/);
    expect(frame.split('\n').find((l) => l.includes('pending'))).toMatch(/✓ pending\s+Task pending\s+claude\s+ready\s/);
  });

  it('ids and titles use the width there is: no cut of a long id at 160 columns, the title gets the rest', () => {
    const tasks = [
      makeTask({ id: 'separator-driver-refactor', title: 'Split the separator driver into reader and writer halves' }),
      makeTask({ id: 'separator-unit-tests', title: 'Unit tests' }),
    ];
    const wide = render(<FleetList tasks={tasks} selectedId="separator-unit-tests" config={testConfig()} width={130} height={8} filter="" now={now} />).lastFrame()!;
    expect(wide).toContain('separator-driver-refactor ');
    expect(wide).toContain('separator-unit-tests ');
    expect(wide).toMatch(/separator-driver-refactor\s+Split the separator driver into/);
    // Narrow: the id keeps what the row leaves; the title goes first.
    const narrow = render(<FleetList tasks={tasks} selectedId="separator-unit-tests" config={testConfig()} width={80} height={8} filter="" now={now} />).lastFrame()!;
    expect(narrow).toContain('separator-driver-re…');
    expect(narrow).not.toContain('Split');
  });

  it('marks tasks with * and says how many are marked; shows the filter being typed', () => {
    const tasks = [makeTask({ id: 'a1' }), makeTask({ id: 'a2' }), makeTask({ id: 'b1' })];
    const frame = render(<FleetList tasks={tasks} selectedId="a1" config={testConfig()} width={100} height={8} filter="" marked={['a2', 'b1']} now={now} />).lastFrame()!;
    expect(frame.split('\n').find((l) => l.includes(' a2 '))).toMatch(/\*○ a2/);
    expect(frame.split('\n').find((l) => l.includes(' a1 '))).toMatch(/ ○ a1/);
    expect(frame).toContain('2 marked (s x r act on them, Esc unmarks)');
    const typing = render(<FleetList tasks={tasks.slice(0, 2)} selectedId="a1" config={testConfig()} width={100} height={8} filter="a" filterEditing now={now} />).lastFrame()!;
    expect(typing).toMatch(/\/a .* 2 match · Enter keeps · Esc clears/);
  });

  it('marks tasks the conflict radar found overlapping and names the partner', () => {
    const overlap = (task: string, conflicts: string[]) => ({ task, files: ['src/a.ts'], conflicts, heads: ['1', '2'] as [string, string] });
    const tasks = [
      makeTask({ id: 'alpha', state: 'running', overlaps: [overlap('bravo', ['src/a.ts']), overlap('charlie', [])] }),
      makeTask({ id: 'charlie', state: 'running', overlaps: [overlap('alpha', [])] }),
      makeTask({ id: 'delta', state: 'running' }),
    ];
    const frame = render(<FleetList tasks={tasks} selectedId="alpha" config={testConfig()} width={120} height={8} filter="" now={now} />).lastFrame()!;
    // In a narrow list the mark still shows (it takes part of the id column, never the end of the row).
    const narrow = render(<FleetList tasks={tasks} selectedId="alpha" config={testConfig()} width={76} height={8} filter="" now={now} />).lastFrame()!;
    expect(narrow.split('\n').find((l) => l.includes('alpha'))).toMatch(/⚡b/);
    const line = (id: string) => frame.split('\n').find((l) => l.includes(` ${id} `))!;
    expect(line('alpha')).toMatch(/alpha\s+⚡bravo\s+Task alpha\s+claude\s+running/);
    expect(line('charlie')).toMatch(/charlie\s+≈alpha\s+Task charlie\s+claude/);
    expect(line('delta')).not.toMatch(/[⚡≈]/);
  });

  it('an attempt on a host: the id carries @host; while the host is down the state says unreachable and the title since when', () => {
    const onHost = (id: string, host: string) => makeTask({ id, state: 'running', attempts: [{ ...makeAttempt(1, { state: 'working' }), host }] });
    const tasks = [onHost('far', 'box'), makeTask({ id: 'here', state: 'running', attempts: [makeAttempt(1, { state: 'working' })] })];
    const up = render(<FleetList tasks={tasks} selectedId="far" config={testConfig()} width={120} height={8} filter="" now={now} />).lastFrame()!;
    const line = (frame: string, id: string) => frame.split('\n').find((l) => l.includes(id))!;
    expect(line(up, 'far')).toMatch(/far@box\s+Task far\s+claude\s+running\s/);
    expect(line(up, 'here')).not.toContain('@');
    const down = render(
      <FleetList tasks={tasks} selectedId="far" config={testConfig()} width={120} height={8} filter="" now={now} hostsDown={{ box: { since: T0, message: 'Connection refused' } }} />,
    ).lastFrame()!;
    expect(line(down, 'far')).toMatch(/far@box\s+@box unreachable since [^·]+ · Task far\s+claude\s+unreachable\s/);
    expect(line(down, 'here')).toMatch(/here\s+Task here\s+claude\s+running\s/);
    // A task whose attempt ended on that host does not wait on it.
    const ended = makeTask({ id: 'done', state: 'ready', attempts: [{ ...makeAttempt(1, { state: 'exited' }), host: 'box' }] });
    const frame = render(<FleetList tasks={[ended]} selectedId="done" config={testConfig()} width={120} height={6} filter="" now={now} hostsDown={{ box: { since: T0, message: null } }} />).lastFrame()!;
    expect(line(frame, 'done')).toMatch(/done@box\s+Task done\s+claude\s+ready\s/);
  });

  it('keeps long ids whole beside the radar mark, and rows with a wide ⚡ fit the box (the demo at 160 columns)', () => {
    const overlap = (task: string) => ({ task, files: ['src/config.js'], conflicts: ['src/config.js'], heads: ['1', '2'] as [string, string] });
    const tasks = [
      makeTask({ id: 'separator-dot', state: 'running', overlaps: [overlap('separator-underscore')] }),
      makeTask({ id: 'separator-underscore', state: 'running', overlaps: [overlap('separator-dot')] }),
    ];
    // The list's width at 160 columns (55% of it).
    const frame = render(<FleetList tasks={tasks} selectedId="separator-dot" config={testConfig()} width={88} height={8} filter="" now={now} />).lastFrame()!;
    const row = (id: string) => frame.split('\n').find((l) => l.includes(` ${id}`))!;
    expect(row('separator-underscore')).toMatch(/ separator-underscore ⚡sepa… /);
    expect(row('separator-dot')).toMatch(/ separator-dot ⚡separator-u… /);
    // Each row ends with its age inside the border (was: one column too wide, the age cut).
    for (const id of ['separator-dot', 'separator-underscore']) expect(row(id)).toMatch(/ 1m\s*│$/);
  });
});
