import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/index.js';
import { findSshd } from '../../src/test-support/sshd.js';
import { PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { startTestHost, type TestHost } from '../../src/test-support/test-host.js';
import { waitFor } from '../../src/test-support/tmux-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const sshd = findSshd();
const SSH = ['/usr/bin/ssh', '/usr/local/bin/ssh'].find((p) => existsSync(p));
if (!sshd || !SSH) console.log('SKIP: e2e of the ssh cost of a one-shot check: ssh or sshd not found (install openssh-server)');

const AGENT = join(PROJECT_ROOT, 'assets', 'demo-agent', 'demo-agent.mjs');
const GIT_ENV = { GIT_AUTHOR_NAME: 'demo', GIT_AUTHOR_EMAIL: 'demo@flotilla.invalid', GIT_COMMITTER_NAME: 'demo', GIT_COMMITTER_EMAIL: 'demo@flotilla.invalid' };
const IDS = ['one', 'two', 'three'];

interface Pass {
  tasks: number;
  errors: string[];
  changes: Array<{ taskId: string; what: string; to?: string }>;
  hosts: Array<{ name: string; ok: boolean; fetches: number }>;
}
interface StatusTask {
  id: string;
  state: string;
  attempts: Array<{ worktree: string; session: { state: string } | null }>;
}

describe.skipIf(!sshd || !SSH || !HAVE_TMUX)('the ssh processes of a one-shot check with idle agents on a host (real binary, real sshd)', () => {
  let repo: TempRepo;
  let host: TestHost & { stop(): void };
  let sshLog: string;
  let bin: string;
  const cli = (args: string[]) => runCli(repo.root, args, { FLOTILLA_TMUX_SOCKET: `flt-e2e-checkcost-${process.pid}`, PATH: `${bin}:${process.env.PATH}` });
  const sshCalls = (): string[] => (existsSync(sshLog) ? readFileSync(sshLog, 'utf8').split('\n').filter(Boolean) : []);

  beforeAll(async () => {
    repo = makeTempRepo({});
    host = await startTestHost(sshd!, repo);
    sshLog = join(repo.dir, 'ssh.log');
    // Every ssh flotilla (or git) starts goes through this wrapper, which logs its arguments on one line.
    bin = join(repo.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf 'ssh %s\\n' "$(printf '%s ' "$@" | tr '\\n' ' ')" >> '${sshLog}'\nexec '${SSH}' "$@"\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    repo.write(
      '.flotilla/config.json',
      JSON.stringify({
        worktreeRoot: repo.worktreeRoot,
        runtime: 'tmux',
        forge: 'local',
        gates: ['pr'],
        defaultAgent: 'demo',
        notify: { bell: false, desktop: false },
        monitor: { intervalSec: 15, idleGraceSec: 3600 },
        profiles: {
          demo: {
            command: [process.execPath, AGENT, '--model', '{model}', '{prompt}'],
            model: 'claude-sonnet-4-5',
            hooks: 'claude',
            env: { CLAUDE_CONFIG_DIR: join(repo.root, '.flotilla', 'demo-claude'), NO_COLOR: '1', ...GIT_ENV },
          },
        },
        hosts: { box: { ...host.config, maxAgents: 4 } },
      }),
    );
  }, 30_000);

  afterAll(() => {
    host?.stop();
    repo?.cleanup();
  });

  it('costs one ssh process for the host when nothing moved there (the channel), two when a branch moved (and git fetch), and sees the states', { timeout: 240_000 }, async () => {
    for (const id of IDS) {
      expect((await cli(['add', `Task ${id}`, '--id', id, '--prompt', `Wait.\ndemo: say "idle ${id}"`])).code).toBe(0);
      expect((await cli(['start', id, '--host', 'box'])).stdout).toMatch(new RegExp(`started ${id} \\(attempt 1, on host box`));
    }
    for (const id of IDS) await waitFor(`${id} to say it is idle`, async () => (await cli(['capture', id])).stdout.includes(`idle ${id}`), 60_000, 500);
    const check = async () => {
      const before = sshCalls().length;
      const r = await cli(['check', '--json']);
      const calls = sshCalls().slice(before);
      // What each ssh ran there (after its destination), for a failure's message.
      console.log(`check: ${calls.length} ssh process(es):\n${calls.map((c) => c.replace(/^.*? \S+@127\.0\.0\.1 /, '  ').slice(0, 200)).join('\n')}`);
      return { calls, pass: JSON.parse(r.stdout) as Pass, stderr: r.stderr };
    };
    const channel = / exec env 'sh' $/;

    // The first check after the starts (it adopts the sessions, copies their hook events and logs)
    // and the next one: the host's channel alone; the probe, the pane list and every copy run in it.
    for (const round of [1, 2]) {
      const { calls, pass, stderr } = await check();
      expect(stderr, `round ${round}`).toBe('');
      expect(calls, `round ${round}`).toHaveLength(1);
      expect(calls[0]).toMatch(channel);
      expect(pass).toMatchObject({ tasks: 3, errors: [], hosts: [{ name: 'box', ok: true, fetches: 0 }] });
    }
    const tasks = (JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: StatusTask[] }).tasks;
    expect(tasks.map((t) => [t.id, t.state, t.attempts[0]!.session?.state])).toEqual(IDS.map((id) => [id, 'running', 'idle']));

    // A commit on the host: the channel, and git's own ssh for the one fetch that brings it back.
    const worktree = tasks[0]!.attempts[0]!.worktree;
    execFileSync('git', ['-C', worktree, 'commit', '-q', '--allow-empty', '-m', 'moved on the host'], { env: { ...process.env, ...GIT_ENV } });
    const moved = await check();
    expect(moved.calls).toHaveLength(2);
    expect(moved.calls.filter((c) => channel.test(c))).toHaveLength(1);
    expect(moved.calls.filter((c) => / git-upload-pack '[^']*mirror\.git' $/.test(c))).toHaveLength(1);
    expect(moved.pass).toMatchObject({ tasks: 3, errors: [], hosts: [{ name: 'box', ok: true, fetches: 1 }] });
    expect(moved.pass.changes).toContainEqual(expect.objectContaining({ taskId: 'one', what: 'state', to: 'ready' }));
    expect(execFileSync('git', ['-C', repo.root, 'log', '-1', '--format=%s', 'flotilla/one-a1'], { encoding: 'utf8' }).trim()).toBe('moved on the host');
  });
});
