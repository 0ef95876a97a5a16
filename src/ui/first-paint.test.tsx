import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderToString } from 'ink';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from './app.js';
import { firstFrame, paintFirstFrame, replaceFrame } from './first-paint.js';
import { computeLayout } from './layout.js';
import { fakeFleet, makeAttempt, makeTask } from './testing/fixtures.js';
import { createUiStore } from './ui-store.js';

// eslint-disable-next-line no-control-regex
const plainText = (s: string) => s.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
const lines = (frame: string) => plainText(frame).split(/\r?\n/);

/** Tasks as the registry holds them (JSON), an hour into their states. */
function registryTasks() {
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  const tasks = [
    makeTask({ id: 'alpha', stateSince: hourAgo }),
    makeTask({ id: 'bravo-with-a-long-id', state: 'running', stateSince: hourAgo, attempts: [makeAttempt(1, { state: 'waiting' })] }),
    makeTask({ id: 'charlie', state: 'ready', stateSince: hourAgo, gates: { pr: { state: 'pass', detail: '', since: hourAgo }, ci: { state: 'fail', detail: '', since: hourAgo } } }),
    makeTask({ id: 'coord', kind: 'orchestrator', state: 'running', stateSince: hourAgo, attempts: [makeAttempt(1, { state: 'working' })] }),
  ];
  return { tasks, raw: JSON.parse(JSON.stringify(tasks)) as object[] };
}

/** A fake terminal: what was written, and the raw mode asked for. */
function fakeTerminal(columns = 120, rows = 40) {
  const written: string[] = [];
  const stdout = { columns, rows, write: (s: string) => (written.push(s), true) } as unknown as NodeJS.WriteStream;
  const modes: boolean[] = [];
  const stdin = { setRawMode: (on: boolean) => (modes.push(on), stdin) } as unknown as NodeJS.ReadStream;
  return { stdout, stdin, written, modes };
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the first frame, drawn before the engine and Ink load', () => {
  for (const size of [
    { columns: 120, rows: 40 },
    { columns: 200, rows: 50 },
  ]) {
    it(`shows the list as the full view's first frame does (${size.columns}x${size.rows})`, () => {
      const { tasks, raw } = registryTasks();
      const painted = lines(firstFrame(raw, size));
      // The full view's first frame, rendered at the terminal's width.
      const full = lines(renderToString(<App fleet={fakeFleet({ tasks })} ui={createUiStore()} onRequest={() => undefined} size={size} />, { columns: size.columns }));
      const layout = computeLayout(size, tasks.length, 'bravo-with-a-long-id'.length);
      expect(painted).toHaveLength(layout.height);
      // The list box, line for line (in a wide terminal: its columns on the left).
      const listCut = (l: string) => [...l].slice(0, layout.list.width).join('');
      const listLines = (ls: string[]) => ls.slice(0, layout.list.height).map(listCut);
      expect(listLines(painted)).toEqual(listLines(full));
      expect(painted.join('\n')).toContain('Tasks 3 + orchestrator');
      expect(painted.join('\n')).toMatch(/coord \(orchestrator\)/);
      // The pane's title is the first task's, as the view's.
      expect(painted.join('\n')).toContain('coord · running');
      expect(full.join('\n')).toContain('coord · running');
    });
  }

  it('filters outside text: escape sequences and bidi controls from the registry never reach the terminal', () => {
    const { raw } = registryTasks();
    const evil = { ...raw[0], id: 'x\x1b]52;c;ZXZpbA==\x07y', title: 'a\x1b[2Jb\u202ec\x9b31m' };
    const frame = firstFrame([evil], { columns: 120, rows: 40 });
    expect(frame).not.toContain('\x1b]');
    expect(frame).not.toContain('\x1b[2J');
    expect(frame).not.toContain('\u202e');
    expect(frame).not.toContain('\x9b');
    // What is left of the escape bytes is plain text, not dropped silently with the rest of the row.
    expect(plainText(frame)).toContain('x ]52;c;ZXZpbA== y');
  });

  it('a terminal too small says so, as the view does', () => {
    expect(plainText(firstFrame([], { columns: 50, rows: 10 }))).toContain('terminal too small (need 60x20)');
  });
});

describe('painting and handing over', () => {
  function repo(registry: string | null) {
    const root = mkdtempSync(join(tmpdir(), 'flotilla-first-paint-'));
    dirs.push(root);
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'sub', 'dir'), { recursive: true });
    if (registry !== null) {
      mkdirSync(join(root, '.flotilla'));
      writeFileSync(join(root, '.flotilla', 'tasks.json'), registry);
    }
    return root;
  }

  it('paints from a subfolder of the repository: alternate screen, raw mode, the list', () => {
    const { raw } = registryTasks();
    const root = repo(JSON.stringify({ version: 2, tasks: raw }));
    const t = fakeTerminal();
    const painted = paintFirstFrame(join(root, 'sub', 'dir'), t.stdout, t.stdin);
    expect(painted?.size).toEqual({ columns: 120, rows: 40 });
    expect(t.modes).toEqual([true]);
    expect(t.written.join('')).toMatch(/^\x1b\[\?1049h/);
    expect(plainText(t.written.join(''))).toContain('bravo-with-a-long-id');
  });

  it('writes nothing without a registry, or with one it cannot read (the engine reports that)', () => {
    for (const registry of [null, '{ not json', JSON.stringify({ tasks: 'no' })]) {
      const t = fakeTerminal();
      expect(paintFirstFrame(repo(registry), t.stdout, t.stdin)).toBeNull();
      expect(t.written).toEqual([]);
      expect(t.modes).toEqual([]);
    }
  });

  it("the view's first frame replaces it line by line; later writes pass as they are; undo after that does nothing", () => {
    const root = repo(JSON.stringify({ version: 2, tasks: registryTasks().raw }));
    const t = fakeTerminal();
    const painted = paintFirstFrame(root, t.stdout, t.stdin)!;
    t.written.length = 0;
    painted.takeOver();
    t.stdout.write('\x1b[?25l'); // Ink hides the cursor first
    t.stdout.write('line one\nline two');
    t.stdout.write('\x1b[2Aagain\n');
    expect(t.written).toEqual(['\x1b[?25l', replaceFrame('line one\nline two'), '\x1b[2Aagain\n']);
    expect(replaceFrame('a\nb')).toBe('\x1b[Ha\x1b[K\nb\x1b[K\x1b[J');
    painted.undo();
    expect(t.written).toHaveLength(3);
    expect(t.modes).toEqual([true]);
  });

  it('undo gives the terminal back when the view does not open', () => {
    const root = repo(JSON.stringify({ version: 2, tasks: [] }));
    const t = fakeTerminal();
    const painted = paintFirstFrame(root, t.stdout, t.stdin)!;
    painted.undo();
    expect(t.modes).toEqual([true, false]);
    expect(t.written.at(-1)).toBe('\x1b[?25h\x1b[?1049l');
  });
});
