import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from './app.js';
import { FakeSessions, fakeFleet, makeAttempt, makeTask, waitFor, type FakeFleet } from './testing/fixtures.js';
import type { UiRequest } from './types.js';
import { createUiStore } from './ui-store.js';
import { LiveScreen } from '../engine/index.js';

function setup(fleet: FakeFleet, size = { columns: 120, rows: 40 }) {
  const ui = createUiStore();
  const requests: UiRequest[] = [];
  const view = render(<App fleet={fleet} ui={ui} onRequest={(r) => requests.push(r)} size={size} />);
  const press = async (...keys: string[]) => {
    for (const k of keys) {
      view.stdin.write(k);
      await new Promise((r) => setTimeout(r, 15));
    }
  };
  return { ui, requests, view, press, frame: () => view.lastFrame() ?? '' };
}

const three = () => [
  makeTask({ id: 'alpha', state: 'running', attempts: [makeAttempt(1, { state: 'working' })] }),
  makeTask({ id: 'beta', state: 'new' }),
  makeTask({ id: 'gamma', state: 'stopped' }),
];

describe('multi-select', () => {
  it('space marks tasks (visible *); x asks once and stops every marked task; the marks go', async () => {
    const fleet = fakeFleet({ tasks: three(), handlers: { 'task.stop': () => undefined } });
    const { press, frame, ui } = setup(fleet);
    await press(' ', 'j', 'j', ' ');
    await waitFor(() => expect(frame()).toContain('2 marked'));
    expect(frame()).toMatch(/\*● alpha/);
    expect(frame()).toMatch(/\*□ gamma/);
    expect(frame()).toMatch(/ ○ beta/);
    await press('x');
    await waitFor(() => expect(frame()).toContain('Stop 2 tasks (alpha, gamma)?'));
    await press('y');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.stop', id: 'alpha' }, { type: 'task.stop', id: 'gamma' }]));
    await waitFor(() => expect(frame()).toContain('stopped 2 of 2 tasks'));
    expect(ui.getState().marked).toEqual([]);
  });

  it('x on marked tasks stops them with one task.stop-many when the engine has it; each failure is named', async () => {
    const fleet = fakeFleet({
      tasks: three(),
      handlers: {
        'task.stop': () => undefined,
        'task.stop-many': (command) => (command.ids as string[]).map((id) => (id === 'gamma' ? { id, ok: false, error: 'no session' } : { id, ok: true, state: 'stopped' })),
      },
    });
    const { press, frame, ui } = setup(fleet);
    await press(' ', 'j', 'j', ' ', 'x');
    await waitFor(() => expect(frame()).toContain('Stop 2 tasks (alpha, gamma)?'));
    await press('y');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.stop-many', ids: ['alpha', 'gamma'] }]));
    await waitFor(() => expect(frame()).toContain('stopped 1 of 2 tasks; gamma: no session'));
    expect(ui.getState().marked).toEqual([]);
  });

  it('s starts every marked task; space again unmarks; Esc drops all marks', async () => {
    const fleet = fakeFleet({ tasks: three(), handlers: { 'task.start': () => ({ state: 'starting', pid: 1 }) } });
    const { press, frame, ui } = setup(fleet);
    await press('j', ' ', 'j', ' ', ' ');
    await waitFor(() => expect(ui.getState().marked).toEqual(['beta']));
    await press('k', 'k', ' ', '\x1b');
    await waitFor(() => expect(ui.getState().marked).toEqual([]));
    await press('j', ' ', 'j', ' ', 's');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.start', id: 'beta' }, { type: 'task.start', id: 'gamma' }]));
    await waitFor(() => expect(frame()).toContain('started 2 of 2 tasks'));
  });

  it('r retries the marked tasks with one note', async () => {
    const fleet = fakeFleet({ tasks: three(), handlers: { 'task.retry': () => ({ outcome: 'retried' }) } });
    const { press, frame } = setup(fleet);
    await press(' ', 'j', 'j', ' ', 'r');
    await waitFor(() => expect(frame()).toContain('Retry 2 tasks'));
    await press('smaller steps', '\r');
    await waitFor(() => expect(fleet.dispatched).toEqual([
      { type: 'task.retry', id: 'alpha', note: 'smaller steps' },
      { type: 'task.retry', id: 'gamma', note: 'smaller steps' },
    ]));
  });
});

describe('list keys', () => {
  const many = () => Array.from({ length: 40 }, (_, i) => makeTask({ id: `task-${String(i).padStart(2, '0')}` }));

  it('G and g jump to the last and first task; PgDn and PgUp move a page', async () => {
    const { press, ui, frame } = setup(fakeFleet({ tasks: many() }));
    await waitFor(() => expect(ui.getState().selectedId).toBe('task-00'));
    await press('G');
    await waitFor(() => expect(ui.getState().selectedId).toBe('task-39'));
    expect(frame()).toContain('task-39');
    await press('g');
    await waitFor(() => expect(ui.getState().selectedId).toBe('task-00'));
    await press('\x1b[6~'); // PgDn
    await waitFor(() => expect(ui.getState().selectedId).not.toBe('task-00'));
    const page = Number(ui.getState().selectedId!.slice(5));
    expect(page).toBeGreaterThan(1);
    await press('\x1b[6~');
    await waitFor(() => expect(ui.getState().selectedId).toBe(`task-${String(page * 2).padStart(2, '0')}`));
    await press('\x1b[5~'); // PgUp
    await waitFor(() => expect(ui.getState().selectedId).toBe(`task-${String(page).padStart(2, '0')}`));
  });

  it('/ narrows the list with each key typed (no dialog); letters go to the filter; Enter keeps it; Esc clears it', async () => {
    const { press, frame, ui } = setup(fakeFleet({ tasks: three() }));
    await press('/', 'g');
    await waitFor(() => expect(frame()).toMatch(/\/g .*2 match/)); // gamma, and alpha (runnin*g*)
    await press('a');
    await waitFor(() => expect(frame()).not.toMatch(/● alpha/));
    expect(frame()).toContain('gamma');
    expect(frame()).not.toContain('Filter tasks'); // no modal box
    expect(frame()).toMatch(/\/ga .*1 match/);
    await press('m', 'm', 'a'); // typed, not list keys
    await waitFor(() => expect(ui.getState().filter).toBe('gamma'));
    await press('\r');
    await waitFor(() => expect(frame()).toContain('filter: gamma'));
    await press('j'); // a list key again
    expect(ui.getState().filter).toBe('gamma');
    await press('\x1b');
    await waitFor(() => expect(frame()).toMatch(/● alpha/));
    await press('/', 'z', 'z', '\x1b');
    await waitFor(() => expect(ui.getState()).toMatchObject({ filter: '', filterEditing: false }));
  });
});

describe('reply without attaching', () => {
  it(': opens a line on the status bar; Enter sends it through task.send; the pane stays in view', async () => {
    const fleet = fakeFleet({ tasks: three(), sessions: new FakeSessions('tmux'), handlers: { 'task.send': () => undefined } });
    const { press, frame } = setup(fleet);
    await press(':');
    await waitFor(() => expect(frame()).toContain('reply to alpha ›'));
    expect(frame()).toContain('alpha · running'); // the pane's title: still the live view
    await press('yes, go ahead', '\r');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.send', id: 'alpha', text: 'yes, go ahead', enter: true }]));
    await waitFor(() => expect(frame()).toContain('sent to alpha'));
  });

  it('i on a task without a live session says so', async () => {
    const { press, frame } = setup(fakeFleet({ tasks: three(), handlers: { 'task.send': () => undefined } }));
    await press('j', 'i');
    await waitFor(() => expect(frame()).toContain('reply: beta has no live session'));
  });
});

describe('retry of an escalated task', () => {
  it('asks, says it goes past the cap, and retries with force (no silent re-escalation)', async () => {
    const tasks = [makeTask({ id: 'stuck', state: 'escalated', reason: 'gave up after 3 attempts' })];
    const fleet = fakeFleet({ tasks, handlers: { 'task.retry': () => ({ outcome: 'retried', attempt: 4 }) } });
    const { press, frame } = setup(fleet);
    await press('r');
    await waitFor(() => expect(frame()).toContain('Retry stuck: escalated (past the attempt cap); Enter'));
    expect(frame()).toContain('Enter retries with --force, Esc cancels');
    await press('\r');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.retry', id: 'stuck', force: true }]));
    await waitFor(() => expect(frame()).toContain('retried stuck'));
  });

  it('a retry that escalates says so instead of "retrying"', async () => {
    const fleet = fakeFleet({ tasks: three(), handlers: { 'task.retry': () => ({ outcome: 'escalated', reason: 'cap of 3 attempts reached' }) } });
    const { press, frame } = setup(fleet);
    await press('r', '\r');
    await waitFor(() => expect(frame()).toContain('alpha escalated: cap of 3 attempts reached (r offers a forced retry)'));
  });
});

describe('finding detail', () => {
  it('e shows the focused finding in full, with each reviewer\'s words', async () => {
    const long = `The cache key ignores the locale, so ${'a French user sees English prices '.repeat(4)}until the cache expires.`;
    const task = makeTask({ id: 'shop', state: 'ready' });
    (task as Record<string, unknown>).review = {
      attempt: 1,
      errors: [],
      findings: [
        {
          id: 'f1', file: 'src/cache.ts', line: 42, severity: 'major', category: 'correctness', message: long, reviewers: ['correctness', 'security'], agreed: true,
          sources: [
            { role: 'correctness', model: 'm1', line: 42, message: long },
            { role: 'security', model: 'm2', line: 43, message: 'Locale missing from the key.' },
          ],
        },
      ],
    };
    const { press, frame } = setup(fakeFleet({ tasks: [task] }));
    await press('e'); // shows the Reviews panel first
    await waitFor(() => expect(frame()).toContain('1 finding on attempt 1'));
    await press('e');
    await waitFor(() => expect(frame()).toContain('finding f1 of shop'));
    expect(frame()).toContain('major · correctness · src/cache.ts:42');
    expect(frame()).toContain('until the cache expires.');
    expect(frame()).toContain('── security (m2) at line 43');
    expect(frame()).toContain('Locale missing from the key.');
  });
});

describe('mouse', () => {
  it('a click on a row selects it; the wheel over the list moves the selection; a click elsewhere does nothing', async () => {
    const { press, ui } = setup(fakeFleet({ tasks: three() }));
    await waitFor(() => expect(ui.getState().selectedId).toBe('alpha'));
    // Row 3 of the screen is the first task (border, header); gamma is row 5.
    await press('\x1b[<0;10;5M', '\x1b[<0;10;5m');
    await waitFor(() => expect(ui.getState().selectedId).toBe('gamma'));
    await press('\x1b[<64;10;4M');
    await waitFor(() => expect(ui.getState().selectedId).toBe('beta'));
    await press('\x1b[<65;10;4M\x1b[<65;10;4M'); // two wheel steps in one chunk
    await waitFor(() => expect(ui.getState().selectedId).toBe('gamma'));
    await press('\x1b[<0;10;30M'); // below the list: the pane
    await press('\x1b[<0;10;3M');
    await waitFor(() => expect(ui.getState().selectedId).toBe('alpha'));
    // No key of the report leaked into the view ([ is a review key, 0-9 are not keys but would be typed).
    expect(ui.getState().overlay).toEqual({ kind: 'none' });
    expect(ui.getState().panel).toBe('gates');
  });
});

describe('scrollback in the live pane', () => {
  it('b looks back a page, PgUp scrolls, / searches upwards, n finds the next match, G is live again', async () => {
    const live = new LiveScreen(80, 10, () => undefined);
    const lines = Array.from({ length: 100 }, (_, i) => (i === 33 || i === 12 ? `MARKER at ${i}` : `out ${i}`));
    live.write(lines.join('\r\n'));
    await live.flush();
    const sessions = new FakeSessions('tmux');
    sessions.live.set('alpha', live);
    const { press, frame, ui } = setup(fakeFleet({ tasks: three(), sessions }));
    await waitFor(() => expect(frame()).toContain('out 99'));
    await press('b');
    await waitFor(() => expect(frame()).toContain('scrollback 81-90 of 100'));
    expect(frame()).toContain('out 80');
    expect(frame()).not.toContain('out 99');
    await press('\x1b[5~'); // PgUp
    await waitFor(() => expect(frame()).toContain('scrollback 71-80 of 100'));
    expect(ui.getState().selectedId).toBe('alpha'); // the list did not move
    await press('/', 'marker');
    await waitFor(() => expect(frame()).toContain('search ↑: marker'));
    await press('\r');
    await waitFor(() => expect(frame()).toContain('scrollback 34-43 of 100'));
    expect(frame()).toContain('MARKER at 33');
    await press('n');
    await waitFor(() => expect(frame()).toContain('scrollback 13-22 of 100'));
    await press('n');
    await waitFor(() => expect(frame()).toContain('"marker" not found above'));
    await press('G');
    await waitFor(() => expect(frame()).toContain('out 99'));
    expect(frame()).not.toContain('scrollback 1');
    expect(ui.getState().overlay).toEqual({ kind: 'none' });
    live.dispose();
  });
});
