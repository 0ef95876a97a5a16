import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { HAVE_TMUX } from '../../src/test-support/tmux-repo.js';

/**
 * The real fleet view in tmux with real tmux agents: multi-select (Space, then x on the marked
 * tasks), the mouse (SGR reports typed into the pane as a terminal would send them) and the
 * scrollback of the live pane (b, PgUp/PgDn, / search in it, G back to live).
 */

const socket = `flotilla-many-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'view');

async function waitForScreen(predicate: (s: string) => boolean, what: string, timeoutMs = 20_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    last = screen();
    if (predicate(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
}

let repo: TempRepo | null = null;
beforeAll(() => {
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'ensure-built.mjs')], { cwd: PROJECT_ROOT, stdio: 'inherit' });
});
afterEach(() => {
  try {
    tmux('kill-server');
  } catch {
    // gone
  }
  repo?.cleanup(); // also ends the agents' tmux server
  repo = null;
});

describe.skipIf(!HAVE_TMUX)('fleet view: multi-select, mouse and scrollback (real agents in tmux)', () => {
  it('a click selects a row, the wheel moves, Space marks, x stops the marked agents only; b looks back in the live pane (g, PgDn, PgUp, / search, G); mouse reporting only while the view runs', { timeout: 90_000 }, async () => {
    repo = makeTempRepo({
      runtime: 'tmux',
      defaultAgent: 'sleeper',
      // 120 numbered lines, printed before the view opens: all of them above the live screen.
      profiles: { sleeper: { command: ['bash', '-c', 'for i in $(seq 1 120); do echo "$FLOTILLA_TASK line $i"; done; echo "agent $FLOTILLA_TASK ready"; sleep 300'], hooks: 'none' } },
      limits: { maxAgents: 8, staggerMs: 0 },
    });
    for (const id of ['one', 'two', 'three']) expect((await runCli(repo.root, ['add', `Task ${id}`, '--id', id, '--prompt', 'go'])).code).toBe(0);
    expect((await runCli(repo.root, ['start', '--all'])).code).toBe(0);

    tmux('new-session', '-d', '-s', 'view', '-x', '160', '-y', '45', '-c', repo.root, '-e', 'TERM=xterm-256color', 'sh', '-c', '"$0" "$@"; echo "EXIT=$?"; sleep 120', process.execPath, BIN);
    // The full view (its keys in the status bar), not only the first frame drawn before it loads.
    await waitForScreen((s) => s.includes('three') && s.includes('Tasks 3') && s.includes('quit'), 'the list');
    expect(tmux('display', '-p', '-t', 'view', '#{mouse_standard_flag}#{mouse_sgr_flag}').trim()).toBe('11');

    // Rows: 1 border, 2 header, 3 one, 4 two, 5 three. A click on row 5 selects three.
    tmux('send-keys', '-t', 'view', '-l', '\x1b[<0;8;5M\x1b[<0;8;5m');
    await waitForScreen((s) => /three · running/.test(s), 'three selected by the click');
    // The wheel up over the list moves the selection to two.
    tmux('send-keys', '-t', 'view', '-l', '\x1b[<64;8;4M');
    await waitForScreen((s) => /two · running/.test(s), 'two selected by the wheel');

    // Mark two and three, stop them with one confirmation.
    tmux('send-keys', '-t', 'view', 'Space', 'j', 'Space');
    await waitForScreen((s) => s.includes('2 marked'), 'two marks');
    const marked = screen();
    expect(marked).toMatch(/\*. two /);
    expect(marked).toMatch(/\*. three /);
    expect(marked).not.toMatch(/\*. one /);
    tmux('send-keys', '-t', 'view', 'x');
    await waitForScreen((s) => s.includes('Stop 2 tasks (two, three)?'), 'the confirmation');
    tmux('send-keys', '-t', 'view', 'y');
    await waitForScreen((s) => s.includes('stopped 2 of 2 tasks'), 'the summary');
    const status = JSON.parse((await runCli(repo.root, ['status', '--json'])).stdout) as { tasks: Array<{ id: string; state: string }> };
    const states = Object.fromEntries(status.tasks.map((t) => [t.id, t.state]));
    // Only the marked ones were stopped (one's own state is the monitor's business meanwhile).
    expect(states).toMatchObject({ two: 'stopped', three: 'stopped' });
    expect(states.one).not.toBe('stopped');
    expect((await runCli(repo.root, ['capture', 'one'])).stdout).toContain('agent one ready');

    // Scrollback of the live pane: one (still live) printed its lines before the view opened.
    tmux('send-keys', '-t', 'view', 'g');
    await waitForScreen((s) => /one · running/.test(s) && s.includes('agent one ready'), "one's live screen");
    const range = (s: string) => /scrollback (\d+)-(\d+) of (\d+)/.exec(s)?.slice(1).map(Number) ?? [0, 0, 0];
    // The view reads the pane's past from its log as the pane is shown: b a moment too early finds
    // only part of it (the title's count then grows); back to live and b again until it is all there.
    let back = '';
    for (let i = 0; i < 20 && !back; i++) {
      tmux('send-keys', '-t', 'view', 'b');
      const s = await waitForScreen((x) => / · scrollback \d+-\d+ of \d+/.test(x), 'the look back');
      if (range(s)[2] >= 121) back = s;
      else {
        tmux('send-keys', '-t', 'view', 'G');
        await waitForScreen((x) => !x.includes(' · scrollback '), 'the live screen');
      }
    }
    const [, , total] = range(back);
    expect(total).toBeGreaterThanOrEqual(121);
    const rows = range(back)[1] - range(back)[0] + 1;
    // g: the oldest line; PgDn and PgUp move a page.
    tmux('send-keys', '-t', 'view', 'g');
    const oldest = await waitForScreen((s) => range(s)[0] === 1, 'the oldest line');
    expect(oldest).toMatch(/│one line 1 +│/);
    expect(oldest).not.toContain('agent one ready');
    tmux('send-keys', '-t', 'view', 'NPage');
    expect(await waitForScreen((s) => range(s)[0] === rows + 1, 'a page down')).toMatch(new RegExp(`│one line ${rows + 1} +│`));
    tmux('send-keys', '-t', 'view', 'NPage');
    await waitForScreen((s) => range(s)[0] === 2 * rows + 1, 'another page down');
    tmux('send-keys', '-t', 'view', 'PPage');
    await waitForScreen((s) => range(s)[0] === rows + 1, 'a page up');
    // / searches upwards from the bottom of the page (line 12 is above it; 120-129 are not).
    tmux('send-keys', '-t', 'view', '/');
    tmux('send-keys', '-t', 'view', '-l', 'one line 12');
    tmux('send-keys', '-t', 'view', 'Enter');
    const found = await waitForScreen((s) => /"one line 12" at line 12 of \d+/.test(s) && range(s)[0] === 12, 'the search result');
    expect(found).toMatch(/│one line 12 +│/);
    expect(found).not.toMatch(/│one line 100 +│/);
    // G: back to the live screen.
    tmux('send-keys', '-t', 'view', 'G');
    const live = await waitForScreen((s) => !s.includes(' · scrollback ') && s.includes('agent one ready'), 'the live screen again');
    expect(live).toMatch(/│one line 120 +│/);

    // Quit: mouse reporting is off again for the shell.
    tmux('send-keys', '-t', 'view', 'q');
    await waitForScreen((s) => s.includes('EXIT=0'), 'the view to quit');
    expect(tmux('display', '-p', '-t', 'view', '#{mouse_standard_flag}#{mouse_sgr_flag}').trim()).toBe('00');
  });
});
