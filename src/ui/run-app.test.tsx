import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEMORY_TEMPLATE } from '../engine/index.js';
import { describe, expect, it } from 'vitest';
import { loadFleetView } from './load-view.js';
import { age } from './format.js';
import { pollResources, ringOnNotifications, showEngineErrors, tickClock } from './services.js';
import { FakeSessions, T0, fakeAdmission, fakeFleet, makeAttempt, makeTask, screenOf, testConfig, waitFor } from './testing/fixtures.js';
import { TestTerminal } from './testing/terminal.js';
import { createUiStore } from './ui-store.js';

/** SGR mouse reporting on and off (see mouse.ts; not imported here: the view loads after loadFleetView). */
const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
const MOUSE_OFF = '\x1b[?1006l\x1b[?1000l';

// Loaded the way `flotilla ui` loads it, so these tests also hold when CI is set in the environment
// (Ink would otherwise draw only the last frame).
const ciBefore = process.env.CI;
const { runApp } = await loadFleetView();

class FakeStdin extends EventEmitter {
  isTTY = true;
  private data: string | null = null;
  write(d: string) {
    this.data = d;
    this.emit('readable');
    this.emit('data', d);
  }
  read() {
    const d = this.data;
    this.data = null;
    return d;
  }
  setRawMode() {}
  setEncoding() {}
  resume() {}
  pause() {}
  ref() {}
  unref() {}
}

class FakeStdout extends EventEmitter {
  isTTY = true;
  columns = 120;
  rows = 40;
  written = '';
  write(s: string) {
    this.written += s;
    return true;
  }
  /** Everything written since the last clear-screen, escape sequences removed. */
  screenText() {
    const last = this.written.split('\x1b[2J').at(-1) ?? '';
    // eslint-disable-next-line no-control-regex
    return last.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
  }
}

function streams() {
  const stdin = new FakeStdin();
  const stdout = new FakeStdout();
  return { stdin, stdout, io: { stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream } };
}

const press = async (stdin: FakeStdin, ...keys: string[]) => {
  for (const k of keys) {
    stdin.write(k);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('loadFleetView', () => {
  it('leaves the environment as it found it, so agents never inherit the overrides', () => {
    expect(process.env.CI).toBe(ciBefore);
    expect(process.env.NODE_ENV).toBe('test');
  });
});

describe('runApp', () => {
  it('hands the terminal to sessions.attach and comes back with the exit status; q returns the running tasks', async () => {
    const sessions = new FakeSessions('tmux');
    sessions.screens.set('alpha', screenOf(['alpha output']));
    sessions.attachOutcome = { reason: 'exited', exitCode: 3 };
    const fleet = fakeFleet({
      tasks: [makeTask({ id: 'alpha', state: 'running', attempts: [makeAttempt(1, { state: 'working' })] })],
      sessions,
      config: testConfig({ detachKey: 'C-b' }),
    });
    const { stdin, stdout, io } = streams();
    const done = runApp({ fleet, ...io });
    await waitFor(() => expect(stdout.screenText()).toContain('alpha output'));
    await press(stdin, '\r');
    await waitFor(() => expect(sessions.attached).toHaveLength(1));
    expect(sessions.attached[0]!.taskId).toBe('alpha');
    expect(sessions.attached[0]!.options).toMatchObject({ detachKey: 'C-b', stdin: io.stdin, stdout: io.stdout, leaveAltScreen: false });
    await waitFor(() => expect(stdout.screenText()).toContain('alpha: agent exited (status 3) while attached'));
    await waitFor(() => expect(stdout.screenText()).toContain('alpha output'));
    await press(stdin, 'q');
    await expect(done).resolves.toEqual({ running: ['alpha'] });
    expect(stdout.written.startsWith('\x1b[?1049h')).toBe(true);
    expect(stdout.written.endsWith('\x1b[?1049l')).toBe(true);
    // Mouse reporting: on while the view shows, off for the attach, on again, off before the normal screen.
    const toggles = [...stdout.written.matchAll(/\x1b\[\?1000h\x1b\[\?1006h|\x1b\[\?1006l\x1b\[\?1000l/g)].map((m) => (m[0] === MOUSE_ON ? 'on' : 'off'));
    expect(toggles).toEqual(['on', 'off', 'on', 'off']);
    expect(stdout.written.endsWith(`${MOUSE_OFF}\x1b[?1049l`)).toBe(true);
  });

  it("writes only the lines that changed: a live pane's update writes none of the list's rows", async () => {
    const sessions = new FakeSessions('tmux');
    const ids = Array.from({ length: 20 }, (_, i) => `agent-${String(i).padStart(2, '0')}`);
    sessions.screens.set(ids[0]!, screenOf(['line 0']));
    const fleet = fakeFleet({ tasks: ids.map((id) => makeTask({ id, state: 'running', attempts: [makeAttempt(1, { state: 'working' })] })), sessions });
    const { stdin, stdout, io } = streams();
    const done = runApp({ fleet, ...io });
    await waitFor(() => expect(stdout.screenText()).toContain('line 0'));
    await new Promise((r) => setTimeout(r, 200));
    expect(stdout.written).toContain('agent-07'); // the first frame has the list
    const before = stdout.written.length;
    sessions.push(ids[0]!, screenOf(['line 1']));
    await waitFor(() => expect(stdout.written.slice(before)).toContain('line 1'));
    await new Promise((r) => setTimeout(r, 200));
    const update = stdout.written.slice(before);
    for (const id of ids.slice(1)) expect(update).not.toContain(id);
    expect(update).not.toContain('Tasks 20');
    await press(stdin, 'q');
    await done;
  });

  it("paints the live pane outside Ink's frame: an update is the painter's bytes only, and rows Ink rewrites are painted again", async () => {
    const sessions = new FakeSessions('tmux');
    const ids = Array.from({ length: 20 }, (_, i) => `agent-${String(i).padStart(2, '0')}`);
    sessions.screens.set(ids[0]!, screenOf(['line 0', 'second']));
    const full = Array.from({ length: 45 }, (_, i) => `row ${i} of agent-01`);
    sessions.screens.set(ids[1]!, screenOf(full));
    const fleet = fakeFleet({ tasks: ids.map((id) => makeTask({ id, state: 'running', attempts: [makeAttempt(1, { state: 'working' })] })), sessions });
    const { stdin, stdout, io } = streams();
    stdout.columns = 200;
    stdout.rows = 50;
    const term = new TestTerminal(200, 50);
    let fed = 0;
    const feed = async () => {
      const chunk = stdout.written.slice(fed);
      fed = stdout.written.length;
      await term.write(chunk);
    };
    /** Where the pane's screen starts: the line under its title, at the title's column. */
    const paneAt = (title: string) => {
      const y = term.rows().findIndex((r) => r.includes(title));
      return { x: term.row(y).indexOf(title), y: y + 1 };
    };
    const done = runApp({ fleet, ...io });
    await waitFor(() => expect(stdout.screenText()).toContain('line 0'));
    await new Promise((r) => setTimeout(r, 200));
    await feed();
    let at = paneAt(`${ids[0]} · `);
    expect(at.y).toBe(2); // wide layout: border, title, then the screen
    expect(term.row(at.y).slice(at.x, at.x + 10)).toBe('line 0    ');
    expect(term.row(at.y + 1).slice(at.x, at.x + 10)).toBe('second    ');
    expect(term.row(at.y).slice(0, 12)).toContain('agent-00'); // the list shares the line

    // A screen update: one row repainted by the painter, no Ink frame.
    const before = stdout.written.length;
    sessions.push(ids[0]!, screenOf(['line 1', 'second']));
    await waitFor(() => expect(stdout.written.slice(before)).toContain('line 1'));
    await new Promise((r) => setTimeout(r, 200));
    const update = stdout.written.slice(before);
    expect(update.startsWith('\x1b7') && update.endsWith('\x1b8')).toBe(true);
    expect(update.match(/\x1b\[\d+;\d+H/g)).toEqual([`\x1b[${at.y + 1};${at.x + 1}H`]);
    for (const id of ids) expect(update).not.toContain(id);
    await feed();
    expect(term.row(at.y).slice(at.x, at.x + 10)).toBe('line 1    ');

    // j: Ink rewrites the list rows and the title, the painter the new screen (row 1 had 'second').
    await press(stdin, 'j');
    await waitFor(() => expect(stdout.screenText()).toContain('row 44 of agent-01'));
    await new Promise((r) => setTimeout(r, 200));
    await feed();
    at = paneAt(`${ids[1]} · `);
    const pane = () => Array.from({ length: 45 }, (_, y) => term.row(at.y + y).slice(at.x, at.x + 20).trimEnd());
    expect(pane()).toEqual(full);

    // A registry refresh changes one row of the list: Ink rewrites that whole line, pane part
    // included, and the painter paints that pane row again.
    const tasks = fleet.store.getState().tasks.map((t) => structuredClone(t));
    tasks[5] = { ...tasks[5]!, attempts: [makeAttempt(1, { state: 'waiting' })] };
    const mark = stdout.written.length;
    fleet.store.setState({ tasks });
    await waitFor(() => expect(stdout.written.slice(mark)).toContain('waiting'));
    await new Promise((r) => setTimeout(r, 200));
    await feed();
    expect(term.rows().some((r) => /agent-05\s+claude\s+running\/waiting/.test(r))).toBe(true);
    expect(pane()).toEqual(full);
    expect(stdout.written.slice(mark)).toContain('row 5 of agent-01'); // repainted, not left blank
    await press(stdin, 'q');
    await done;
  });

  it('draws over a first frame already on the screen: no second alternate screen, the first frame replaced line by line', async () => {
    const fleet = fakeFleet({ tasks: [makeTask({ id: 'alpha' })] });
    const { stdin, stdout, io } = streams();
    const calls: string[] = [];
    const firstPaint = {
      size: { columns: 120, rows: 40 },
      takeOver: () => void calls.push('takeOver'),
      undo: () => void calls.push('undo'),
    };
    const done = runApp({ fleet, ...io, firstPaint });
    await waitFor(() => expect(stdout.screenText()).toContain('Tasks 1'));
    await press(stdin, 'q');
    await done;
    expect(calls).toEqual(['takeOver']);
    expect(stdout.written.startsWith('\x1b[?1049h')).toBe(false);
    expect(stdout.written.endsWith('\x1b[?1049l')).toBe(true); // the normal screen back at the end
  });

  it('a detach returns to the view saying so', async () => {
    const sessions = new FakeSessions('tmux');
    sessions.screens.set('alpha', screenOf(['x']));
    const fleet = fakeFleet({ tasks: [makeTask({ id: 'alpha', state: 'running', attempts: [makeAttempt(1, { state: 'idle' })] })], sessions });
    const { stdin, stdout, io } = streams();
    const done = runApp({ fleet, ...io });
    await press(stdin, '\r');
    await waitFor(() => expect(stdout.screenText()).toContain('detached from alpha'));
    await press(stdin, 'q');
    await done;
  });

  it('Ctrl-E in the form opens the editor on the prompt and brings the text back', async () => {
    const fleet = fakeFleet({ tasks: [] });
    const { stdin, stdout, io } = streams();
    let seen = '';
    const ui = createUiStore();
    const done = runApp({
      fleet,
      ...io,
      ui,
      openEditor: async (file) => {
        seen = await readFile(file, 'utf8');
        await writeFile(file, 'written in the editor\nsecond line\n');
        return 0;
      },
    });
    await press(stdin, 'n', 'Title', '\t', 'draft');
    await press(stdin, '\x05');
    await waitFor(() => expect(ui.getState().draft.prompt).toBe('written in the editor\nsecond line'));
    expect(seen).toBe('draft');
    await waitFor(() => expect(stdout.screenText()).toContain('│ second line'));
    await press(stdin, '\x1b', 'q');
    await done;
  });

  it('m opens MEMORY.md in the editor (from the template when missing) and comes back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-ui-memory-'));
    try {
      const memoryFile = join(dir, 'MEMORY.md');
      const fleet = { ...fakeFleet({ tasks: [] }), paths: { memoryFile } };
      const { stdin, stdout, io } = streams();
      const opened: string[] = [];
      let seen = '';
      const done = runApp({
        fleet,
        ...io,
        openEditor: async (file) => {
          opened.push(file);
          seen = await readFile(file, 'utf8');
          await writeFile(file, `${seen}- a new strategy line\n`);
          return 0;
        },
      });
      await press(stdin, 'm');
      await waitFor(() => expect(stdout.screenText()).toContain('MEMORY.md saved'));
      expect(opened).toEqual([memoryFile]);
      expect(seen).toBe(MEMORY_TEMPLATE);
      expect(await readFile(memoryFile, 'utf8')).toContain('- a new strategy line');
      await press(stdin, 'q');
      await done;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad keys override before drawing anything', async () => {
    const fleet = fakeFleet({ config: testConfig({ keys: { 'task.nope': 'z' } }) });
    const { io, stdout } = streams();
    await expect(runApp({ fleet, ...io })).rejects.toThrow(/keys\.task\.nope/);
    expect(stdout.written).toBe('');
  });
});

describe('view services', () => {
  it('rings the bell once per new notification, not for old ones', () => {
    const fleet = fakeFleet({});
    fleet.store.setState({ notifications: [{ id: 'old', at: T0, kind: 'info', message: 'old' }] });
    let out = '';
    const stop = ringOnNotifications(fleet.store, { write: (s: string) => (out += s) });
    fleet.store.setState({ error: 'unrelated change' });
    expect(out).toBe('');
    fleet.store.setState((s) => ({ notifications: [...s.notifications, { id: 'n1', at: T0, kind: 'ready', message: 'a ready' }] }));
    expect(out).toBe('\x07');
    stop();
    fleet.store.setState((s) => ({ notifications: [...s.notifications, { id: 'n2', at: T0, kind: 'ready', message: 'b' }] }));
    expect(out).toBe('\x07');
    let custom = '';
    const stop2 = ringOnNotifications(fleet.store, { write: (s: string) => (custom += s) }, (n) => `[${n.message}]`);
    fleet.store.setState((s) => ({ notifications: [...s.notifications, { id: 'n3', at: T0, kind: 'escalated', message: 'gave up' }] }));
    expect(custom).toBe('[gave up]');
    stop2();
  });

  it('shows background engine errors as notices', () => {
    const listeners: Array<(e: { type: string; message?: string }) => void> = [];
    const events = { on: (l: (e: never) => void) => (listeners.push(l as never), () => void listeners.pop()) };
    const ui = createUiStore();
    const stop = showEngineErrors(events as never, ui);
    listeners[0]!({ type: 'registry.changed' });
    expect(ui.getState().notice).toBeNull();
    listeners[0]!({ type: 'error', message: 'monitor: gh not found\nmore' });
    expect(ui.getState().notice).toMatchObject({ text: 'monitor: gh not found', tone: 'error' });
    stop();
    expect(listeners).toHaveLength(0);
  });

  it('moves the clock only when an age shown in the list would change', async () => {
    const ui = createUiStore();
    let since = new Date(Date.now() - 5 * 60_000).toISOString();
    let renders = 0;
    ui.subscribe(() => renders++);
    const stop = tickClock(ui, (now) => age(since, now), 10);
    await new Promise((r) => setTimeout(r, 120));
    expect(renders).toBe(0);
    since = new Date().toISOString();
    await waitFor(() => expect(renders).toBe(1));
    // "0s" → "1s" a second later (one render per second while it counts seconds, not one per tick).
    await new Promise((r) => setTimeout(r, 1100));
    expect(renders).toBeGreaterThanOrEqual(2);
    expect(renders).toBeLessThanOrEqual(3);
    stop();
  });

  it('polls admission only while the Queue panel shows', async () => {
    const admission = fakeAdmission({ totalMB: 1000, availableMB: 500, reserveMB: 100, swapping: false, running: [], waiting: [], recommendation: { agents: 1, reason: 'r' } });
    const ui = createUiStore();
    const stop = pollResources(admission, ui, 20);
    await new Promise((r) => setTimeout(r, 60));
    expect(admission.calls).toBe(0);
    ui.setState({ panel: 'queue' });
    await waitFor(() => expect(ui.getState().resources?.availableMB).toBe(500));
    await waitFor(() => expect(admission.calls).toBeGreaterThan(1));
    ui.setState({ panel: 'cost' });
    const calls = admission.calls;
    await new Promise((r) => setTimeout(r, 80));
    expect(admission.calls).toBe(calls);
    stop();
  });
});
