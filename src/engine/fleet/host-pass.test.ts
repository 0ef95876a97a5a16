import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSshd } from '../../test-support/sshd.js';
import { startTestHost, type TestHost } from '../../test-support/test-host.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { HAVE_TMUX, waitFor } from '../../test-support/tmux-repo.js';
import { createFleet, type Fleet } from './create-fleet.js';

const sshd = findSshd();
const SSH = ['/usr/bin/ssh', '/usr/local/bin/ssh'].find((p) => existsSync(p));
if (!sshd || !SSH) console.log('SKIP: ssh processes per monitoring pass: sshd or ssh not found (install openssh-server)');

/** The agent: one commit in its worktree on the host, then it stays alive (a live agent, nothing moving). */
const AGENT = ['echo "$1" > work.txt && git add work.txt && git commit -qm "work $1" && echo committed', 'exec sleep 600'].join('; ');
const TASKS = ['t1', 't2', 't3'];

describe.skipIf(!sshd || !SSH || !HAVE_TMUX)('a monitoring pass over several attempts on one host (real sshd on 127.0.0.1)', () => {
  let repo: TempRepo;
  let host: TestHost & { stop(): void };
  let hostRoot: string;
  let sshLog: string;
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    repo = makeTempRepo();
    host = await startTestHost(sshd!, repo, 'box', { memReserveMB: 0 });
    hostRoot = host.root;
    // Every ssh flotilla starts (its own execs and git's fetch) goes through this wrapper, which logs it.
    const bin = join(repo.dir, 'bin');
    mkdirSync(bin);
    sshLog = join(repo.dir, 'ssh.log');
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf 'ssh %s\\n' "$(printf '%s ' "$@" | tr '\\n' ' ')" >> '${sshLog}'\nexec '${SSH}' "$@"\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;
    const configFile = join(repo.root, '.flotilla', 'config.json');
    const config = JSON.parse(readFileSync(configFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(
      configFile,
      JSON.stringify({
        ...config,
        runtime: 'tmux',
        forge: 'local',
        gates: [],
        defaultAgent: 'worker',
        notify: { bell: false, desktop: false },
        profiles: {
          worker: {
            command: ['sh', '-c', AGENT, 'agent', '{prompt}'],
            hooks: 'none',
            env: { GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'a@flotilla.invalid', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'a@flotilla.invalid' },
          },
        },
        hosts: { box: host.config },
      }),
    );
  }, 30_000);

  afterAll(() => {
    process.env.PATH = savedPath;
    host?.stop();
    repo?.cleanup();
  });

  const sshCalls = (): string[] => (existsSync(sshLog) ? readFileSync(sshLog, 'utf8').split('\n').filter(Boolean) : []);

  it('costs one ssh process per host (its channel, kept between passes) when nothing moved, and one git fetch more for all the branches that moved', { timeout: 300_000 }, async () => {
    const starter = await createFleet({ cwd: repo.root });
    try {
      for (const id of TASKS) {
        await starter.dispatch({ type: 'task.add', input: { title: id, prompt: id, id } });
        await starter.dispatch({ type: 'task.start', id, host: 'box' });
      }
    } finally {
      await starter.close();
    }
    const worktrees = (await starter.registry.read()).tasks.map((t) => t.attempts[0]!.worktree);
    const headOf = (wt: string) => execFileSync('git', ['-C', wt, 'log', '-1', '--format=%s'], { encoding: 'utf8' }).trim();
    await waitFor('the three agents to commit on the host', async () => worktrees.every((wt) => headOf(wt).startsWith('work ')), 120_000, 500);

    // A process of its own, as each `flotilla check` is: it follows no session (no log copy running).
    const fleet: Fleet = await createFleet({ cwd: repo.root });
    try {
      const pass = async () => {
        const before = sshCalls().length;
        const result = await fleet.dispatch({ type: 'monitor.check' });
        return { result, calls: sshCalls().slice(before) };
      };
      const localTip = (id: string) => execFileSync('git', ['-C', repo.root, 'log', '-1', '--format=%s', `flotilla/${id}-a1`], { encoding: 'utf8' }).trim();

      // Three branches moved: the host's channel (where the probe runs), and one fetch (git's ssh,
      // to the mirror) for the three.
      const first = await pass();
      expect(first.result.errors).toEqual([]);
      expect(first.calls.filter((c) => c.includes('git-upload-pack'))).toHaveLength(1);
      expect(first.calls.filter((c) => / exec env 'sh' $/.test(c))).toHaveLength(1);
      expect(first.calls).toHaveLength(2);
      expect(first.result.hosts).toEqual([expect.objectContaining({ name: 'box', ok: true, fetches: 1 })]);
      for (const id of TASKS) expect(localTip(id)).toBe(`work ${id}`);

      // Nothing moved: the probe alone, whatever the number of attempts there, in the channel the
      // process keeps open: no ssh process at all.
      const second = await pass();
      expect(second.calls).toEqual([]);
      expect(second.result.hosts).toEqual([expect.objectContaining({ name: 'box', ok: true, fetches: 0 })]);
      const tasks = (await fleet.registry.read()).tasks;
      // The probe's session and worktree facts drive the tasks as per-task calls did (no gates: ready).
      expect(tasks.map((t) => [t.id, t.attempts.length, t.state === 'running' || t.state === 'ready'])).toEqual(TASKS.map((id) => [id, 1, true]));

      // One branch moves on the host: the probe (in the channel) and one fetch, which brings that commit back.
      execFileSync('git', ['-C', worktrees[1]!, '-c', 'user.name=a', '-c', 'user.email=a@b', 'commit', '-q', '--allow-empty', '-m', 'more on t2']);
      const third = await pass();
      expect(third.calls).toHaveLength(1);
      expect(third.calls[0]).toContain('git-upload-pack');
      expect(localTip('t2')).toBe('more on t2');
    } finally {
      await fleet.close();
    }
  });
});
