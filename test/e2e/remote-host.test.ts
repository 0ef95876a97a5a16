import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/index.js';
import { findSshd } from '../../src/test-support/sshd.js';
import { BIN, PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { startTestHost, type TestHost } from '../../src/test-support/test-host.js';
import { waitFor } from '../../src/test-support/tmux-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const sshd = findSshd();
if (!sshd) console.log('SKIP: e2e of a remote host: sshd not found (install openssh-server)');

const AGENT = join(PROJECT_ROOT, 'assets', 'demo-agent', 'demo-agent.mjs');
const GIT_ENV = { GIT_AUTHOR_NAME: 'demo', GIT_AUTHOR_EMAIL: 'demo@flotilla.invalid', GIT_COMMITTER_NAME: 'demo', GIT_COMMITTER_EMAIL: 'demo@flotilla.invalid' };
const PROMPT = ['Add a greeting.', 'demo: write hello.txt "hello from the host\\n"', 'demo: commit "Add hello"', 'demo: say "done on the host"'].join('\n');

/** The user's terminal: a tmux server of this test's own, where `flotilla attach` runs. */
const term = `flt-e2e-remote-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', term, '-f', '/dev/null', ...args], { encoding: 'utf8' });

describe.skipIf(!sshd || !HAVE_TMUX)('a task on a remote host through the real binary (sshd on 127.0.0.1)', () => {
  let repo: TempRepo;
  let host: TestHost & { stop(): void };
  let hostRoot: string;
  const cli = (args: string[]) => runCli(repo.root, args, { FLOTILLA_TMUX_SOCKET: `${term}-local` });

  beforeAll(async () => {
    repo = makeTempRepo({});
    host = await startTestHost(sshd!, repo);
    hostRoot = host.root;
    repo.write(
      '.flotilla/config.json',
      JSON.stringify({
        worktreeRoot: repo.worktreeRoot,
        runtime: 'tmux',
        forge: 'local',
        gates: ['pr'],
        defaultAgent: 'demo',
        notify: { bell: false, desktop: false },
        monitor: { intervalSec: 15, idleGraceSec: 0 },
        profiles: {
          demo: {
            command: [process.execPath, AGENT, '--model', '{model}', '{prompt}'],
            model: 'claude-sonnet-4-5',
            hooks: 'claude',
            env: { CLAUDE_CONFIG_DIR: join(repo.root, '.flotilla', 'demo-claude'), NO_COLOR: '1', ...GIT_ENV },
          },
        },
        hosts: { box: host.config },
      }),
    );
  }, 30_000);

  afterAll(() => {
    spawnSync('tmux', ['-L', term, 'kill-server'], { stdio: 'ignore' });
    host?.stop();
    repo?.cleanup();
  });

  it('start --host runs the agent there; capture and attach reach it; its commit comes back and the task is ready with its PR on the local forge', { timeout: 180_000 }, async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`remote e2e: ${what} after ${Date.now() - t0} ms`);
    expect((await cli(['add', 'Greeting', '--id', 'greet', '--prompt', PROMPT])).code).toBe(0);
    const bad = await cli(['start', 'greet', '--host', 'Bad Host']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--host "Bad Host" is not a host name/);

    const started = await cli(['start', 'greet', '--host', 'box']);
    expect(started.stderr).toBe('');
    expect(started.stdout).toMatch(/started greet \(attempt 1, on host box, pid \d+ there\)/);

    lap('start');
    // capture reads the agent's screen on the host.
    await waitFor('the agent to finish its turn on the host', async () => (await cli(['capture', 'greet'])).stdout.includes('done on the host'), 60_000, 500);

    lap('capture');
    // attach: the user's terminal to the agent over ssh -t; Ctrl-] comes back.
    tmux('new-session', '-d', '-s', 'me', '-x', '100', '-y', '30', '-c', repo.root, '-e', `FLOTILLA_TMUX_SOCKET=${term}-local`, 'sh', '-c', '"$0" "$@"; echo "EXIT=$?"; sleep 60', process.execPath, BIN, 'attach', 'greet');
    await waitFor('the attached screen', async () => tmux('capture-pane', '-p', '-t', 'me').includes('done on the host'), 30_000, 250);
    tmux('send-keys', '-t', 'me', 'C-]');
    await waitFor('the detach', async () => /EXIT=0/.test(tmux('capture-pane', '-p', '-t', 'me')), 30_000, 250);

    lap('attach');
    // Monitor passes fetch the commit back and open the PR locally.
    const status = await waitFor(
      'the task to be ready',
      async () => {
        await cli(['check']);
        const s = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; pr: { branch: string; commits: Array<{ subject: string }> } | null; attempts: Array<{ host?: string; worktree: string }> }> };
        return s.tasks[0]?.state === 'ready' ? s.tasks[0] : null;
      },
      60_000,
      1000,
    );
    lap('ready');
    expect(status.attempts[0]!.host).toBe('box');
    expect(status.attempts[0]!.worktree.startsWith(`${hostRoot}/`)).toBe(true);
    expect(status.pr?.branch).toBe('flotilla/greet-a1');
    expect(status.pr?.commits.map((c) => c.subject)).toEqual(['Add hello']);
    expect(execFileSync('git', ['-C', repo.root, 'show', 'flotilla/greet-a1:hello.txt'], { encoding: 'utf8' })).toBe('hello from the host\n');

    expect((await cli(['stop', 'greet'])).code).toBe(0);
  });
});
