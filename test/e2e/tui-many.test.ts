import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { HAVE_TMUX } from '../../src/test-support/tmux-repo.js';

/**
 * The real fleet view in tmux with real tmux agents: multi-select (Space, then x on the marked
 * tasks) and the mouse (SGR reports typed into the pane as a terminal would send them).
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

describe.skipIf(!HAVE_TMUX)('fleet view: multi-select and mouse (real agents in tmux)', () => {
  it('a click selects a row, the wheel moves, Space marks, x stops the marked agents only; mouse reporting only while the view runs', { timeout: 90_000 }, async () => {
    repo = makeTempRepo({
      runtime: 'tmux',
      defaultAgent: 'sleeper',
      profiles: { sleeper: { command: ['bash', '-c', 'echo "agent $FLOTILLA_TASK ready"; sleep 300'], hooks: 'none' } },
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

    // Quit: mouse reporting is off again for the shell.
    tmux('send-keys', '-t', 'view', 'q');
    await waitForScreen((s) => s.includes('EXIT=0'), 'the view to quit');
    expect(tmux('display', '-p', '-t', 'view', '#{mouse_standard_flag}#{mouse_sgr_flag}').trim()).toBe('00');
  });
});
