import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from './app.js';
import { FakeSessions, fakeFleet, makeAttempt, makeTask, screenOf, waitFor, type FakeFleet } from './testing/fixtures.js';
import type { UiRequest } from './types.js';
import { createUiStore } from './ui-store.js';

const SIZE = { columns: 120, rows: 40 };

function setup(fleet: FakeFleet, size = SIZE) {
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

const twoTasks = () => [
  makeTask({ id: 'alpha', state: 'running', attempts: [makeAttempt(1, { state: 'working' })] }),
  makeTask({ id: 'beta', state: 'new' }),
];

describe('App', () => {
  it('shows both rows and moves the selection with j and k', async () => {
    const { ui, frame, press } = setup(fakeFleet({ tasks: twoTasks() }));
    await waitFor(() => expect(frame()).toContain('beta'));
    expect(frame()).toContain('alpha');
    await waitFor(() => expect(ui.getState().selectedId).toBe('alpha'));
    await press('j');
    await waitFor(() => expect(ui.getState().selectedId).toBe('beta'));
    expect(frame()).toContain('no gate results yet for beta');
    await press('j'); // stays at the end
    expect(ui.getState().selectedId).toBe('beta');
    await press('k');
    await waitFor(() => expect(ui.getState().selectedId).toBe('alpha'));
  });

  it('shows the selected agent\'s screen in the pane', async () => {
    const sessions = new FakeSessions();
    sessions.screens.set('alpha', screenOf(['agent alpha says hi']));
    const { frame } = setup(fakeFleet({ tasks: twoTasks(), sessions }));
    await waitFor(() => expect(frame()).toContain('agent alpha says hi'));
    expect(sessions.subscribed[0]).toMatchObject({ taskId: 'alpha' });
  });

  it('says a command is not available yet when the engine lacks it, and dispatches it when present', async () => {
    const a = setup(fakeFleet({ tasks: twoTasks() }));
    await a.press('s');
    await waitFor(() => expect(a.frame()).toContain('task.start: not available yet'));

    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'task.start': () => undefined } });
    const b = setup(fleet);
    await b.press('j', 's');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.start', id: 'beta' }]));
    await waitFor(() => expect(b.frame()).toContain('started beta'));
  });

  it('shows engine errors from a command in the status bar', async () => {
    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'task.start': () => { throw new Error('already running'); } } });
    const { press, frame } = setup(fleet);
    await press('s');
    await waitFor(() => expect(frame()).toContain('task.start: already running'));
  });

  it('x asks to confirm before task.stop; n cancels', async () => {
    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'task.stop': () => undefined } });
    const { press, frame } = setup(fleet);
    await press('x');
    await waitFor(() => expect(frame()).toContain('Stop alpha?'));
    await press('n');
    await waitFor(() => expect(frame()).toContain('cancelled'));
    expect(fleet.dispatched).toEqual([]);
    await press('x', 'y');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.stop', id: 'alpha' }]));
  });

  it('r asks for a note and dispatches task.retry with it', async () => {
    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'task.retry': () => undefined } });
    const { press, frame } = setup(fleet);
    await press('r');
    await waitFor(() => expect(frame()).toContain('Retry alpha'));
    await press('use the v2 API', '\r');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'task.retry', id: 'alpha', note: 'use the v2 API' }]));
  });

  it('task keys with nothing selected say so and do nothing', async () => {
    const fleet = fakeFleet({ tasks: [], handlers: { 'task.start': () => undefined } });
    const { press, frame } = setup(fleet);
    await press('s');
    await waitFor(() => expect(frame()).toContain('start: no task selected'));
    await press('\r');
    await waitFor(() => expect(frame()).toContain('attach: no task selected'));
    expect(fleet.dispatched).toEqual([]);
  });

  it('Enter asks the host to attach to a live session; explains when it cannot', async () => {
    const noSessions = setup(fakeFleet({ tasks: twoTasks() }));
    await noSessions.press('\r');
    await waitFor(() => expect(noSessions.frame()).toContain('agent sessions not available yet'));
    expect(noSessions.requests).toEqual([]);

    const { press, requests, frame } = setup(fakeFleet({ tasks: twoTasks(), sessions: new FakeSessions() }));
    await press('j', '\r');
    await waitFor(() => expect(frame()).toContain('beta has no live session'));
    await press('k', '\r');
    await waitFor(() => expect(requests).toEqual([{ kind: 'attach', taskId: 'alpha' }]));
  });

  it('q quits at once with tmux; with pty and live agents it asks first', async () => {
    const tmux = setup(fakeFleet({ tasks: twoTasks(), sessions: new FakeSessions('tmux') }));
    await tmux.press('q');
    await waitFor(() => expect(tmux.requests).toEqual([{ kind: 'quit' }]));

    const pty = setup(fakeFleet({ tasks: twoTasks(), sessions: new FakeSessions('pty') }));
    await pty.press('q');
    await waitFor(() => expect(pty.frame()).toContain('1 agent(s) run inside this process'));
    expect(pty.requests).toEqual([]);
    await pty.press('y');
    await waitFor(() => expect(pty.requests).toEqual([{ kind: 'quit' }]));
  });

  it('? toggles the help overlay', async () => {
    const { press, frame } = setup(fakeFleet({ tasks: twoTasks() }));
    await press('?');
    await waitFor(() => expect(frame()).toContain('flotilla keys'));
    await press('?');
    await waitFor(() => expect(frame()).not.toContain('flotilla keys'));
  });

  it('/ filters the list; Esc clears the filter', async () => {
    const { press, frame } = setup(fakeFleet({ tasks: twoTasks() }));
    await press('/', 'bet', '\r');
    await waitFor(() => expect(frame()).toContain('filter: bet'));
    expect(frame()).not.toMatch(/● alpha/);
    await press('/', '\x1b');
    await waitFor(() => expect(frame()).toContain('alpha'));
  });

  it('Tab switches panels', async () => {
    const { press, frame, ui } = setup(fakeFleet({ tasks: twoTasks() }));
    await press('\t');
    await waitFor(() => expect(frame()).toContain('admission queue not available yet'));
    expect(ui.getState().panel).toBe('queue');
  });

  it('n opens the form; submitting dispatches task.add and selects the new task', async () => {
    const tasks = twoTasks();
    const fleet = fakeFleet({
      tasks,
      handlers: {
        'task.add': (cmd) => {
          const input = cmd.input as { title: string; tags: string[] };
          const task = makeTask({ id: 'fix-login', title: input.title, tags: input.tags });
          fleet.store.setState({ tasks: [...fleet.store.getState().tasks, task] });
          return task;
        },
      },
    });
    const { press, frame, ui } = setup(fleet);
    await press('n');
    await waitFor(() => expect(frame()).toContain('New task'));
    await press('Fix login', '\t', 'make it work', '\t', '\t', '\t', 'auth', '\x13');
    await waitFor(() => expect(ui.getState().selectedId).toBe('fix-login'));
    expect(fleet.dispatched[0]).toMatchObject({ type: 'task.add', input: { title: 'Fix login', prompt: 'make it work', agent: 'claude', tags: ['auth'] } });
    await waitFor(() => expect(frame()).toContain('added fix-login'));
  });

  it('the form keeps the draft and shows why when task.add fails', async () => {
    const fleet = fakeFleet({ tasks: [], handlers: { 'task.add': () => { throw new Error('unknown agent profile "zz"'); } } });
    const { press, frame } = setup(fleet);
    await press('n', '\x13');
    await waitFor(() => expect(frame()).toContain('a title is needed'));
    await press('T', '\t', 'p', '\x13');
    await waitFor(() => expect(frame()).toContain('unknown agent profile "zz"'));
    expect(frame()).toContain('New task');
  });

  it('d shows the diff the engine returns', async () => {
    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'task.diff': () => '--- a/x\n+++ b/x\n-old line\n+new line' } });
    const { press, frame } = setup(fleet);
    await press('d');
    await waitFor(() => expect(frame()).toContain('+new line'));
    expect(frame()).toContain('diff alpha');
    await press('\x1b');
    await waitFor(() => expect(frame()).not.toContain('+new line'));
  });

  it('too small with live pty agents: q asks on the one line first', async () => {
    const { frame, press, requests } = setup(fakeFleet({ tasks: twoTasks(), sessions: new FakeSessions('pty') }), { columns: 50, rows: 10 });
    await press('q');
    await waitFor(() => expect(frame().trim()).toBe('quit and stop 1 agent(s)? y/n'));
    expect(requests).toEqual([]);
    await press('n');
    await waitFor(() => expect(frame().trim()).toBe('terminal too small (need 60x20)'));
    await press('q', 'y');
    await waitFor(() => expect(requests).toEqual([{ kind: 'quit' }]));
  });

  it('a terminal below the minimum shows one line', async () => {
    const { frame, press, requests } = setup(fakeFleet({ tasks: twoTasks() }), { columns: 50, rows: 10 });
    await waitFor(() => expect(frame().trim()).toBe('terminal too small (need 60x20)'));
    await press('q');
    await waitFor(() => expect(requests).toEqual([{ kind: 'quit' }]));
  });
});

describe('App resizing', () => {
  it('re-lays out on a new size and resizes the visible session', async () => {
    const sessions = new FakeSessions();
    sessions.screens.set('alpha', screenOf(['hi']));
    const fleet = fakeFleet({ tasks: twoTasks(), sessions });
    const ui = createUiStore();
    const view = render(<App fleet={fleet} ui={ui} onRequest={() => {}} size={{ columns: 100, rows: 30 }} />);
    await waitFor(() => expect(view.lastFrame()).toContain('hi'));
    view.rerender(<App fleet={fleet} ui={ui} onRequest={() => {}} size={{ columns: 110, rows: 36 }} />);
    await waitFor(() => expect(sessions.resized.at(-1)).toMatchObject({ taskId: 'alpha', cols: 108 }));
    view.rerender(<App fleet={fleet} ui={ui} onRequest={() => {}} size={{ columns: 40, rows: 36 }} />);
    await waitFor(() => expect(view.lastFrame()).toContain('terminal too small'));
  });
});
