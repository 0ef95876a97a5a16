import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { App } from './app.js';
import { FakeSessions, fakeFleet, makeAttempt, makeTask, screenOf, waitFor, type FakeFleet } from './testing/fixtures.js';
import type { UiRequest } from './types.js';
import { createUiStore } from './ui-store.js';
import { reviewRecordWith } from '../test-support/review-task.js';

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

  it('p shows the composed prompt of the next attempt, part by part, with the learnings added', async () => {
    const composed = {
      prompt: 'do it',
      extraContext: null,
      parts: [
        { kind: 'brief', title: 'Task', text: 'Make the login form work' },
        { kind: 'context', title: 'Context: docs/auth.md', text: 'auth notes' },
        { kind: 'learnings', title: 'Learned from earlier tasks', text: '- run the auth tests first' },
        { kind: 'done', title: 'Definition of done', text: '- Leave the working tree clean' },
        { kind: 'enrichment', title: 'What the previous attempt was missing', text: 'the failing test output' },
      ],
      learnings: [{ taskId: 'old-auth', sentence: 'run the auth tests first', tags: ['auth'] }],
    };
    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'task.prompt': () => composed } });
    const { press, frame, ui } = setup(fleet);
    await press('p');
    await waitFor(() => expect(frame()).toContain("prompt of alpha's next attempt"));
    expect(fleet.dispatched).toEqual([{ type: 'task.prompt', id: 'alpha' }]);
    for (const text of ['── Task (brief)', 'Make the login form work', '── Context: docs/auth.md (context)', '── Learned from earlier tasks (learnings)', '── Definition of done (done)', '(enrichment)', 'the failing test output', '1 learning(s) added:', 'from old-auth: run the auth tests first']) {
      expect(frame()).toContain(text);
    }
    await press('j');
    await waitFor(() => expect(ui.getState().overlay).toMatchObject({ kind: 'text', scroll: 1 }));
    await press('\x1b');
    await waitFor(() => expect(frame()).not.toContain('Make the login form work'));
  });

  it('p says why when the engine cannot compose the prompt', async () => {
    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'task.prompt': () => { throw new Error('no task "alpha"'); } } });
    const { press, frame } = setup(fleet);
    await press('p');
    await waitFor(() => expect(frame()).toContain('task.prompt: no task "alpha"'));
    expect(frame()).not.toContain('next attempt');
  });

  it('Reviews panel: ] and [ move the finding cursor, u/o mark it, D dismisses or undismisses, z shows folded', async () => {
    // A review record as the schema declares it (every field present).
    const task = makeTask({
      id: 'alpha',
      state: 'checking',
      review: reviewRecordWith([
        { id: 'f-naming', file: 'src/a.ts', line: 4, severity: 'minor', category: 'style', message: 'naming', reviewers: ['style'], agreed: false, dismissed: true },
        { id: 'f-off', file: 'src/b.ts', line: 9, severity: 'major', category: 'bug', message: 'off by one', reviewers: ['bugs', 'security'], agreed: true },
        { id: 'f-fold', file: 'src/c.ts', line: 1, severity: 'nit', category: 'style', message: 'folded away', reviewers: ['style'], agreed: false, folded: true },
      ]),
    });
    const fleet = fakeFleet({
      tasks: [task],
      handlers: {
        'review.mark': (cmd) => {
          if (cmd.mark === 'noise') throw new Error('calibration file is not writable');
          return {};
        },
        'review.dismiss': () => ({}),
      },
    });
    const { press, frame, ui } = setup(fleet);
    await press(']');
    // Away from the Reviews panel the first press shows it and says how it works.
    await waitFor(() => expect(ui.getState().panel).toBe('reviews'));
    await waitFor(() => expect(frame()).toContain('Reviews panel: [ and ] focus a finding'));
    expect(frame()).toMatch(/›✓✓ major\s+src\/b\.ts:9 off by one/);
    await press('u');
    await waitFor(() => expect(fleet.dispatched).toEqual([{ type: 'review.mark', id: 'alpha', finding: 'f-off', mark: 'useful' }]));
    await waitFor(() => expect(frame()).toContain('marked finding f-off of alpha useful'));
    await press(']', ']');
    await waitFor(() => expect(ui.getState().findingCursor).toBe(1));
    await press('D');
    await waitFor(() => expect(fleet.dispatched.at(-1)).toEqual({ type: 'review.dismiss', id: 'alpha', finding: 'f-naming', undo: true }));
    await waitFor(() => expect(frame()).toContain('undismissed finding f-naming of alpha'));
    await press('[', 'D');
    await waitFor(() => expect(fleet.dispatched.at(-1)).toEqual({ type: 'review.dismiss', id: 'alpha', finding: 'f-off' }));
    await press('o');
    await waitFor(() => expect(frame()).toContain('review.mark: calibration file is not writable'));
    expect(frame()).not.toContain('folded away');
    await press('z');
    await waitFor(() => expect(frame()).toContain('folded away'));
    await waitFor(() => expect(frame()).toContain('folded findings shown'));
  });

  it('review keys with no review say so and dispatch nothing', async () => {
    const fleet = fakeFleet({ tasks: twoTasks(), handlers: { 'review.mark': () => ({}) } });
    const { press, frame, ui } = setup(fleet);
    ui.setState({ panel: 'reviews' });
    await press('u');
    await waitFor(() => expect(frame()).toContain('no findings to act on for alpha'));
    expect(fleet.dispatched).toEqual([]);
  });

  it('the orchestrator is pinned first and stays through a filter', async () => {
    const orch = makeTask({ id: 'orchestrator', state: 'running', attempts: [makeAttempt(1, { state: 'idle' })] });
    (orch as Record<string, unknown>).kind = 'orchestrator';
    const { press, frame, ui } = setup(fakeFleet({ tasks: [...twoTasks(), orch] }));
    await waitFor(() => expect(ui.getState().selectedId).toBe('orchestrator'));
    const lines = () => frame().split('\n');
    expect(lines().findIndex((l) => l.includes('◈ orchestrator'))).toBeLessThan(lines().findIndex((l) => l.includes('alpha')));
    await press('/', 'bet', '\r');
    await waitFor(() => expect(frame()).toContain('filter: bet'));
    expect(frame()).toContain('◈ orchestrator');
    expect(frame()).not.toMatch(/● alpha/);
  });

  it('m asks the host to open MEMORY.md; without repository paths it says so', async () => {
    const fleet = fakeFleet({ tasks: twoTasks() });
    const bare = setup(fleet);
    await bare.press('m');
    await waitFor(() => expect(bare.frame()).toContain('memory: no repository paths'));
    expect(bare.requests).toEqual([]);
    const withPaths = setup({ ...fakeFleet({ tasks: twoTasks() }), paths: { memoryFile: '/repo/.flotilla/MEMORY.md' } });
    await withPaths.press('m');
    await waitFor(() => expect(withPaths.requests).toEqual([{ kind: 'memory', file: '/repo/.flotilla/MEMORY.md' }]));
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
    // New sessions start at the pane's size, followed on resize (the visible one was resized to it).
    const resized = sessions.resized.at(-1)!;
    expect(sessions.startSizes.at(-1)).toEqual({ cols: resized.cols, rows: resized.rows });
    expect(sessions.startSizes.length).toBe(2);
    view.rerender(<App fleet={fleet} ui={ui} onRequest={() => {}} size={{ columns: 40, rows: 36 }} />);
    await waitFor(() => expect(view.lastFrame()).toContain('terminal too small'));
    expect(sessions.startSizes.length).toBe(2);
  });
});
