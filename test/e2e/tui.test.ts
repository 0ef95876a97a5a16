import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { demoAgentProfile, tmuxSocketName } from '../../src/engine/index.js';
import { BIN, PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

/**
 * The real bin/flotilla in tmux (a private socket per test), against a temp repository.
 */

class TmuxDriver {
  readonly socket = `flotilla-tui-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  constructor(
    readonly cwd: string,
    readonly size: { columns: number; rows: number },
  ) {}

  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }

  /** Starts `flotilla <args>`; when it ends the pane prints EXIT=<code> and stays. */
  start(args: string[] = [], env: Record<string, string> = {}): void {
    const wrapper = '"$0" "$@"; echo "EXIT=$?"; sleep 120';
    const envArgs = Object.entries({ TERM: 'xterm-256color', ...env }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    this.tmux('new-session', '-d', '-s', 'e2e', '-x', String(this.size.columns), '-y', String(this.size.rows), '-c', this.cwd, ...envArgs, 'sh', '-c', wrapper, process.execPath, BIN, ...args);
  }

  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'e2e', ...keys);
  }

  /** Types text literally (no key-name lookup). */
  type(text: string): void {
    this.tmux('send-keys', '-t', 'e2e', '-l', text);
  }

  screen(): string {
    return this.tmux('capture-pane', '-p', '-t', 'e2e');
  }

  /**
   * Waits until the screen satisfies `predicate`, and returns a capture taken a moment after the
   * first one that did (and still does): a capture can catch a frame half written, its first rows
   * new and the rest not drawn yet.
   */
  async waitFor(predicate: (screen: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = this.screen();
      if (predicate(last)) {
        await new Promise((r) => setTimeout(r, 80));
        const settled = this.screen();
        if (predicate(settled)) return settled;
        last = settled;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; screen was:\n${last}`);
  }

  kill(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // Already gone.
    }
  }
}

let repo: TempRepo;
let tmux: TmuxDriver | null = null;

beforeAll(async () => {
  execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'ensure-built.mjs')], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  repo = makeTempRepo();
  for (const [title, prompt] of [
    ['First task', 'do the first thing'],
    ['Second task', 'do the second thing'],
  ]) {
    const r = await runCli(repo.root, ['add', title, '--prompt', prompt]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  }
});

afterEach(() => {
  tmux?.kill();
  tmux = null;
});

afterAll(() => repo?.cleanup());

describe('flotilla fleet view in tmux', () => {
  it('shows both rows, j moves the selection, ? shows help, q exits 0', async () => {
    tmux = new TmuxDriver(repo.root, { columns: 120, rows: 36 });
    tmux.start();
    // The list shows first (drawn before the engine and Ink load); the full view then has the keys.
    const first = await tmux.waitFor((s) => s.includes('first-task') && s.includes('second-task') && s.includes('Gates') && s.includes('quit'), 'both rows, the panels and the keys');
    expect(first).toContain('no gate results yet for first-task');
    expect(first).toMatch(/q\/C-c quit/);

    tmux.keys('j');
    await tmux.waitFor((s) => s.includes('no gate results yet for second-task'), 'the selection to move to second-task');

    tmux.keys('?');
    const help = await tmux.waitFor((s) => s.includes('flotilla keys'), 'the help overlay');
    expect(help).toContain('attach to the selected agent');
    tmux.keys('Escape');
    await tmux.waitFor((s) => !s.includes('flotilla keys') && s.includes('second-task'), 'the help to close');

    // Resizing re-lays out: wide terminals put the pane beside the list; too small says so.
    tmux.tmux('resize-window', '-t', 'e2e', '-x', '160', '-y', '40');
    await tmux.waitFor((s) => /╮╭/.test(s.split('\n')[0] ?? ''), 'the wide layout (list and pane side by side)');
    tmux.tmux('resize-window', '-t', 'e2e', '-x', '50', '-y', '12');
    await tmux.waitFor((s) => s.trim() === 'terminal too small (need 60x20)', 'the too-small message after shrinking');
    tmux.tmux('resize-window', '-t', 'e2e', '-x', '120', '-y', '36');
    await tmux.waitFor((s) => s.includes('second-task') && s.includes('Gates'), 'the view back at a usable size');

    tmux.keys('q');
    const end = await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit');
    expect(end).toContain('EXIT=0');
    // The alternate screen is left: the fleet view is gone from the terminal.
    expect(end).not.toContain('no gate results yet');
  });

  it('a terminal below the minimum shows one line, and q still quits', async () => {
    tmux = new TmuxDriver(repo.root, { columns: 50, rows: 12 });
    tmux.start();
    const screen = await tmux.waitFor((s) => s.includes('terminal too small'), 'the too-small message');
    expect(screen.trim()).toBe('terminal too small (need 60x20)');
    tmux.keys('q');
    expect(await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit')).toContain('EXIT=0');
  });

  it('p previews the prompt from the real engine; m opens MEMORY.md in $EDITOR', async () => {
    const editor = join(repo.dir, 'memory-editor.sh');
    writeFileSync(editor, '#!/bin/sh\nprintf "memory editor ready\\n"\nread line\nprintf "%s\\n" "$line" >> "$1"\n', { mode: 0o755 });
    tmux = new TmuxDriver(repo.root, { columns: 120, rows: 36 });
    tmux.start([], { EDITOR: editor, VISUAL: '' });
    await tmux.waitFor((s) => s.includes('first-task'), 'the fleet view');
    tmux.keys('p');
    const preview = await tmux.waitFor((s) => s.includes("prompt of first-task's next attempt"), 'the prompt preview');
    expect(preview).toContain('── Task (brief)');
    expect(preview).toContain('do the first thing');
    expect(preview).toContain('── Definition of done (done)');
    tmux.keys('Escape');
    await tmux.waitFor((s) => !s.includes('── Task (brief)') && s.includes('second-task'), 'the preview to close');
    tmux.keys('m');
    await tmux.waitFor((s) => s.includes('memory editor ready'), 'the editor on MEMORY.md');
    tmux.type('learned in the e2e test');
    tmux.keys('Enter');
    await tmux.waitFor((s) => s.includes('MEMORY.md saved') && s.includes('first-task'), 'the view back');
    tmux.keys('q');
    expect(await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit')).toContain('EXIT=0');
    expect(readFileSync(join(repo.root, '.flotilla', 'MEMORY.md'), 'utf8')).toContain('learned in the e2e test');
  });

  it('n adds a task through the form, with the prompt written in $EDITOR', async () => {
    const editor = join(repo.dir, 'fake-editor.sh');
    // Reads one line from the terminal (so keys must reach the editor, not flotilla) into the file.
    writeFileSync(editor, '#!/bin/sh\nprintf "fake editor ready\\n"\nread line\nprintf "%s\\n" "$line" > "$1"\n', { mode: 0o755 });
    tmux = new TmuxDriver(repo.root, { columns: 120, rows: 36 });
    tmux.start([], { EDITOR: editor, VISUAL: '' });
    await tmux.waitFor((s) => s.includes('first-task'), 'the fleet view');
    tmux.keys('n');
    await tmux.waitFor((s) => s.includes('New task'), 'the form');
    tmux.type('Edited task');
    tmux.keys('C-e');
    await tmux.waitFor((s) => s.includes('fake editor ready') && !s.includes('New task'), 'the editor');
    tmux.type('prompt from the editor');
    tmux.keys('Enter');
    await tmux.waitFor((s) => s.includes('│ prompt from the editor'), 'the prompt back in the form');
    tmux.keys('C-s');
    await tmux.waitFor((s) => s.includes('added edited-task'), 'the task added');
    tmux.keys('q');
    expect(await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit')).toContain('EXIT=0');
    const status = await runCli(repo.root, ['status', '--json']);
    const added = (JSON.parse(status.stdout) as { tasks: Array<{ id: string; title: string }> }).tasks.find((t) => t.id === 'edited-task');
    expect(added?.title).toBe('Edited task');
  });

  it('refuses to start when stdout is not a terminal', async () => {
    const r = await runCli(repo.root, []);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('stdout is not a terminal');
    expect(r.stdout).toBe('');
  });
});

describe('flotilla fleet view with live agents', () => {
  it('shows the selected agent, attaches with Enter, typed text reaches it, the detach key returns', async () => {
    const agentRepo = makeTempRepo();
    try {
      // A scripted agent: prints a banner naming its worktree, then echoes every line typed into it.
      const script = join(agentRepo.dir, 'echo-agent.mjs');
      writeFileSync(
        script,
        [
          "import { createInterface } from 'node:readline';",
          "import { basename } from 'node:path';",
          "process.stdout.write(`echo agent in ${basename(process.cwd())} ready\\n> `);",
          'const rl = createInterface({ input: process.stdin });',
          "rl.on('line', (line) => (line === 'exit' ? process.exit(7) : process.stdout.write(`got: ${line}\\n> `)));",
        ].join('\n'),
      );
      writeFileSync(
        join(agentRepo.root, '.flotilla', 'config.json'),
        // No automatic retry: the agent made to exit below stays ended (a monitor pass retried it as
        // attempt 2 on a slow machine, so 'agent-one' was still running at quit).
        JSON.stringify({ worktreeRoot: agentRepo.worktreeRoot, defaultAgent: 'echo', recovery: { auto: [] }, profiles: { echo: { command: [process.execPath, script, '{prompt}'], hooks: 'none' } } }),
      );
      for (const title of ['Agent one', 'Agent two']) {
        expect((await runCli(agentRepo.root, ['add', title, '--prompt', title.toLowerCase()])).code).toBe(0);
      }
      tmux = new TmuxDriver(agentRepo.root, { columns: 120, rows: 36 });
      tmux.start();
      await tmux.waitFor((s) => s.includes('agent-one') && s.includes('agent-two'), 'both rows');
      tmux.keys('s');
      tmux.keys('j');
      tmux.keys('s');
      await tmux.waitFor((s) => s.includes('echo agent in agent-two-a1 ready'), "the selected agent's output in the pane");
      tmux.keys('k');
      await tmux.waitFor((s) => s.includes('echo agent in agent-one-a1 ready'), 'the first agent in the pane');

      tmux.keys('Enter');
      await tmux.waitFor((s) => !s.includes('Tasks 2') && s.includes('echo agent in agent-one-a1'), 'the attached full screen');
      tmux.type('hello from the test');
      tmux.keys('Enter');
      await tmux.waitFor((s) => s.includes('got: hello from the test'), 'typed text to reach the agent');

      tmux.keys('C-]');
      const back = await tmux.waitFor((s) => s.includes('detached from agent-one'), 'the fleet view after detaching');
      expect(back).toContain('agent-two');

      // The agent dies while attached: back to the view with its exit status, keys still work.
      tmux.keys('Enter');
      await tmux.waitFor((s) => !s.includes('Tasks 2') && s.includes('got: hello from the test'), 'attached again');
      tmux.type('exit');
      tmux.keys('Enter');
      // The status is 7 when the runtime caught it ("no exit status" when tmux lost it).
      await tmux.waitFor((s) => /agent-one: agent exited \((status 7|no exit status)\)/.test(s), 'the exit status in the status bar', 30_000);
      tmux.keys('?');
      await tmux.waitFor((s) => s.includes('flotilla keys'), 'the help overlay after the agent exited');
      tmux.keys('Escape');
      // Keys apart, as a human types them: Escape and q read together by a busy view are alt-q.
      await tmux.waitFor((s) => !s.includes('flotilla keys'), 'the help overlay to close');
      tmux.keys('q');
      const end = await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit');
      // tmux runtime: quitting leaves the live agent running and says so.
      expect(end).toContain('EXIT=0');
      expect(end).toContain('1 agent(s) still running in tmux: agent-two');
      expect((await runCli(agentRepo.root, ['capture', 'agent-two'])).stdout).toContain('echo agent in agent-two-a1');
    } finally {
      tmux?.kill();
      tmux = null;
      agentRepo.cleanup();
    }
  });
  it('an agent started from the CLI after the view ran starts at the size of the view\'s pane', async () => {
    const sizeRepo = makeTempRepo();
    try {
      writeFileSync(
        join(sizeRepo.root, '.flotilla', 'config.json'),
        JSON.stringify({ worktreeRoot: sizeRepo.worktreeRoot, runtime: 'tmux', defaultAgent: 'sz', profiles: { sz: { command: ['bash', '-c', 'echo "size $(stty size)"; sleep 60'], hooks: 'none' } } }),
      );
      expect((await runCli(sizeRepo.root, ['add', 'Size', '--prompt', 'p'])).code).toBe(0);
      tmux = new TmuxDriver(sizeRepo.root, { columns: 120, rows: 36 });
      tmux.start();
      await tmux.waitFor((s) => s.includes('size') && s.includes('Tasks 1') && s.includes('quit'), 'the view');
      const sizeFile = join(sizeRepo.root, '.flotilla', 'pane-size.json');
      for (let i = 0; i < 50 && !existsSync(sizeFile); i++) await new Promise((r) => setTimeout(r, 100));
      const pane = JSON.parse(readFileSync(sizeFile, 'utf8')) as { cols: number; rows: number };
      expect(pane.cols).toBeLessThan(120);
      tmux.keys('q');
      await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit');
      expect((await runCli(sizeRepo.root, ['start', 'size'])).code).toBe(0);
      let shown = '';
      for (let i = 0; i < 50 && !/size \d+ \d+/.test(shown); i++) {
        await new Promise((r) => setTimeout(r, 100));
        shown = (await runCli(sizeRepo.root, ['capture', 'size'])).stdout;
      }
      expect(shown).toContain(`size ${pane.rows} ${pane.cols}`);
    } finally {
      tmux?.kill();
      tmux = null;
      sizeRepo.cleanup();
    }
  });

  it('two tasks on the demo agent: its output in the pane, Enter attaches, a typed directive runs, the detach key returns', async () => {
    const demoRepo = makeTempRepo();
    try {
      const profile = demoAgentProfile({ stateDir: join(demoRepo.root, '.flotilla') });
      writeFileSync(
        join(demoRepo.root, '.flotilla', 'config.json'),
        JSON.stringify({ worktreeRoot: demoRepo.worktreeRoot, runtime: 'tmux', defaultAgent: 'demo', profiles: { demo: profile } }),
      );
      for (const name of ['one', 'two']) {
        const r = await runCli(demoRepo.root, ['add', `Demo ${name}`, '--prompt', `demo: say "hello from demo ${name}"`]);
        expect(r.code).toBe(0);
      }
      tmux = new TmuxDriver(demoRepo.root, { columns: 120, rows: 36 });
      tmux.start();
      await tmux.waitFor((s) => s.includes('demo-one') && s.includes('demo-two'), 'both rows');
      tmux.keys('s');
      await tmux.waitFor((s) => s.includes('hello from demo one'), "demo one's output in the pane", 30_000);
      tmux.keys('j');
      tmux.keys('s');
      await tmux.waitFor((s) => s.includes('hello from demo two'), "demo two's output in the pane", 30_000);

      tmux.keys('Enter');
      await tmux.waitFor((s) => !s.includes('Tasks 2') && s.includes('hello from demo two'), 'the attached demo agent');
      tmux.type('demo: say "typed through the fleet view"');
      tmux.keys('Enter');
      await tmux.waitFor((s) => s.includes('● typed through the fleet view'), 'the typed directive to run', 30_000);
      tmux.keys('C-]');
      await tmux.waitFor((s) => s.includes('detached from demo-two') && s.includes('demo-one'), 'the fleet view after detaching');
      tmux.keys('q');
      expect(await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit')).toContain('EXIT=0');
    } finally {
      tmux?.kill();
      tmux = null;
      demoRepo.cleanup();
    }
  });

  it.each(['SIGHUP', 'SIGTERM'] as const)('%s to the view (pty runtime) stops its agents with their whole process group', async (sig) => {
    const ptyRepo = makeTempRepo({ runtime: 'pty', profiles: { kids: { command: ['bash', '-c', 'nohup sleep 300 >/dev/null 2>&1 & echo "child $!"; cat'] } } });
    try {
      expect((await runCli(ptyRepo.root, ['add', 'Kids', '--id', 'kids', '--agent', 'kids', '--prompt', 'go'])).code).toBe(0);
      tmux = new TmuxDriver(ptyRepo.root, { columns: 140, rows: 30 });
      tmux.start();
      await tmux.waitFor((s) => s.includes('kids'), 'the task row');
      tmux.keys('s');
      const log = join(ptyRepo.root, '.flotilla', 'logs', 'kids', '1.log');
      let child = 0;
      await tmux.waitFor(() => {
        child = Number(/child (\d+)/.exec((() => { try { return readFileSync(log, 'utf8'); } catch { return ''; } })())?.[1] ?? 0);
        return child > 0;
      }, 'the agent child');
      const shell = tmux.tmux('display-message', '-p', '-t', 'e2e', '#{pane_pid}').trim();
      const view = Number(execFileSync('ps', ['-o', 'pid=', '--ppid', shell], { encoding: 'utf8' }).trim());
      process.kill(view, sig);
      await tmux.waitFor((s) => s.includes(`EXIT=${sig === 'SIGHUP' ? 129 : 143}`), 'the view to exit');
      expect(() => process.kill(child, 0)).toThrow();
      const status = JSON.parse((await runCli(ptyRepo.root, ['status', '--json'])).stdout) as { tasks: Array<{ attempts: Array<{ session: { state: string; message?: string } }> }> };
      expect(status.tasks[0]!.attempts[0]!.session).toMatchObject({ state: 'exited', message: 'stopped' });
    } finally {
      ptyRepo.cleanup();
    }
  });
});

describe('flotilla demo in tmux (the README\'s first command)', () => {
  it('opens the fleet view on the four demo tasks with its agents in tmux; they run on after quitting, and it says where the repository stays', async () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-demo-tui-')));
    const demoDir = join(dir, 'demo');
    const repoRoot = join(demoDir, 'textkit');
    try {
      tmux = new TmuxDriver(dir, { columns: 140, rows: 40 });
      tmux.start(['demo', '--dir', demoDir], { CLAUDE_CONFIG_DIR: '' });
      await tmux.waitFor(
        (s) => ['word-count', 'truncate', 'separator-d', 'separator-u'].every((id) => s.includes(id)),
        'the four demo tasks',
        30_000,
      );
      // The selected task's agent is live in the pane: its permission question shows.
      await tmux.waitFor((s) => s.includes('Allow running git commit?'), "word-count's permission question", 30_000);
      // Its agents live in tmux, not in the view: quitting does not ask to stop them.
      tmux.keys('q');
      const end = await tmux.waitFor((s) => /EXIT=\d+/.test(s), 'flotilla to exit', 30_000);
      expect(end).toContain('EXIT=0');
      expect(end).not.toContain('will be stopped');
      expect(end).toContain('The demo repository stays at');
      expect(end).toContain('diff truncate');
      expect(end).toContain('run on in tmux');
      // word-count still waits on its question after the view is gone.
      const status = await runCli(repoRoot, ['status', '--json'], { CLAUDE_CONFIG_DIR: '' });
      const tasks = (JSON.parse(status.stdout) as { tasks: Array<{ id: string; attempts: Array<{ session: { runtime: string; state: string } | null }> }> }).tasks;
      const session = tasks.find((t) => t.id === 'word-count')?.attempts.at(-1)?.session;
      expect(session?.runtime).toBe('tmux');
      expect(session?.state).not.toBe('exited');
      const stopped = await runCli(repoRoot, ['stop', '--all'], { CLAUDE_CONFIG_DIR: '' });
      expect(stopped.code).toBe(0);
    } finally {
      tmux?.kill();
      tmux = null;
      try {
        execFileSync('tmux', ['-L', tmuxSocketName(repoRoot), 'kill-server'], { stdio: 'ignore' });
      } catch {
        // the demo's tmux server is gone already
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
