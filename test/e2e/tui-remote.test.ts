import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMaster, findExecutable } from '../../src/engine/index.js';
import { findSshd, startSshd, type TestSshd } from '../../src/test-support/sshd.js';
import { BIN, PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const sshd = findSshd();
if (!sshd) console.log('SKIP: e2e of the fleet view with a remote agent: sshd not found (install openssh-server)');

/** The user's terminal: a tmux server of this test's own, where the view runs. */
const term = `flt-e2e-tui-remote-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', term, '-f', '/dev/null', ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-t', 'view');

/** Waits until the view's screen satisfies `ok`; the error shows the last screen. */
async function until(what: string, ok: (s: string) => boolean, timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < end) {
    last = screen();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}; the screen was:\n${last}`);
}

/** The highest tick number the agent's output on the screen shows. */
const lastTick = (s: string) => Math.max(0, ...[...s.matchAll(/remote-tick (\d+)/g)].map((m) => Number(m[1])));

describe.skipIf(!sshd || !HAVE_TMUX)('the fleet view with an agent on a remote host (sshd on 127.0.0.1)', () => {
  let server: TestSshd;
  let repo: TempRepo;
  let hostConfig: Record<string, unknown>;
  let hostRoot: string;
  const env = { FLOTILLA_TMUX_SOCKET: `${term}-local` };
  const cli = (args: string[]) => runCli(repo.root, args, env);

  beforeAll(async () => {
    execFileSync(process.execPath, [join(PROJECT_ROOT, 'scripts', 'ensure-built.mjs')], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    server = await startSshd(sshd!);
    repo = makeTempRepo({});
    hostRoot = join(repo.dir, 'box');
    mkdirSync(hostRoot);
    hostConfig = { ssh: `${server.user}@127.0.0.1`, port: server.port, identityFile: server.userKey, knownHostsFile: server.knownHosts, worktreeRoot: hostRoot };
    repo.write(
      '.flotilla/config.json',
      JSON.stringify({
        worktreeRoot: repo.worktreeRoot,
        runtime: 'tmux',
        gates: [],
        defaultAgent: 'tick',
        notify: { bell: false, desktop: false },
        monitor: { intervalSec: 2, idleGraceSec: 0 },
        recovery: { auto: [] },
        profiles: { tick: { command: ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo "remote-tick $i"; sleep 1; done'], hooks: 'none' } },
        hosts: { box: hostConfig },
      }),
    );
  }, 60_000);

  afterAll(() => {
    spawnSync('tmux', ['-L', term, 'kill-server'], { stdio: 'ignore' });
    const socket = spawnSync('sh', ['-c', `ls -d ${hostRoot}/.flotilla/*/tmux`], { encoding: 'utf8' }).stdout.trim();
    if (socket) spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    if (repo) closeMaster(join(repo.root, '.flotilla'), 'box', hostConfig as never);
    server?.stop();
    repo?.cleanup();
  });

  it('shows the host and the live pane; attach comes back; while sshd is down the row says unreachable and keys answer; then the pane is live again', { timeout: 240_000 }, async () => {
    expect((await cli(['add', 'Tick on the box', '--id', 'far', '--prompt', 'tick'])).code).toBe(0);
    const started = await cli(['start', 'far', '--host', 'box']);
    expect(started.stderr).toBe('');
    expect(started.stdout).toMatch(/on host box/);

    tmux('new-session', '-d', '-s', 'view', '-x', '160', '-y', '40', '-c', repo.root, '-e', 'TERM=xterm-256color', '-e', `FLOTILLA_TMUX_SOCKET=${env.FLOTILLA_TMUX_SOCKET}`, 'sh', '-c', '"$0" "$@"; echo "EXIT=$?"; sleep 120', process.execPath, BIN);
    // The row names the host; the live pane shows the agent's output, read over the connection.
    await until('the row with its host', (s) => /far@box/.test(s), 60_000);
    const live = await until('the agent on the live pane', (s) => lastTick(s) > 0, 60_000);
    await until('the live pane to move on', (s) => lastTick(s) > lastTick(live), 30_000);

    // Enter attaches (ssh -t to the host's tmux), Ctrl-] comes back to the view.
    tmux('send-keys', '-t', 'view', 'Enter');
    await until('the attached agent', (s) => !/AGENT\s+STATE/.test(s) && lastTick(s) > 0, 30_000);
    tmux('send-keys', '-t', 'view', 'C-]');
    await until('the view again', (s) => /AGENT\s+STATE/.test(s) && /far@box/.test(s), 30_000);

    // The host goes away: the row says so, nothing is failed, and the view still answers keys.
    server.kill();
    // The pane title quotes ssh's own reason ("ssh: connect to host 127.0.0.1 port N: Connection
    // refused", cut at the pane's width): a probe over the dropped master connection asks again
    // rather than saying nothing.
    const down = await until('the row to say unreachable', (s) => /far@box\s+tick\s+unreachable/.test(s) && /host box unreachable since \S+ \(ssh: connect to host 127\.0/.test(s), 60_000);
    expect(down).not.toMatch(/ssh failed|gave no reason/);
    // The task is not failed and the view did not end.
    expect(down).not.toMatch(/far@box\s+\S+\s+failed|EXIT=/);
    tmux('send-keys', '-t', 'view', '?');
    await until('the help overlay (a key answered while the host is down)', (s) => /fleet\.select-next|select next|Keys/i.test(s), 30_000);
    tmux('send-keys', '-t', 'view', 'Escape');
    await until('the help overlay to close', (s) => /AGENT\s+STATE/.test(s), 30_000);
    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; attempts: unknown[] }> };
    expect(status.tasks[0]!.state).toBe('running');
    expect(status.tasks[0]!.attempts).toHaveLength(1);

    // It comes back: the session is followed again and the pane is live (new output after the outage).
    const before = lastTick(screen());
    await server.restart();
    await until('the row without unreachable', (s) => /far@box/.test(s) && !/unreachable/.test(s), 60_000);
    await until('the live pane to show new output', (s) => lastTick(s) > before + 2, 60_000);
    expect(screen()).not.toMatch(/EXIT=/);

    tmux('send-keys', '-t', 'view', 'q');
    await until('the view to quit', (s) => /EXIT=0/.test(s), 30_000);
    expect((await cli(['stop', 'far'])).code).toBe(0);
  });
});
