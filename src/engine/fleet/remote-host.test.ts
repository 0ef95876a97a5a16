import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSshd } from '../../test-support/sshd.js';
import { startTestHost, type TestHost } from '../../test-support/test-host.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { HAVE_TMUX, waitFor } from '../../test-support/tmux-repo.js';
import { attemptFiles } from '../core/index.js';
import { createFleet, type Fleet } from './create-fleet.js';

const sshd = findSshd();
if (!sshd) console.log('SKIP: remote host sessions against a real sshd: sshd not found (install openssh-server)');

/** The agent: says where it runs, waits for a line, answers it, commits in its worktree, then idles. */
const AGENT = [
  'printf "ready in %s\\n" "$PWD"',
  'IFS= read -r line',
  'echo "got:$line"',
  'echo "$line" > remote.txt && git add remote.txt && git commit -qm "remote work" && echo committed',
  'exec sleep 300',
].join('; ');

describe.skipIf(!sshd || !HAVE_TMUX)('an attempt on a remote host (real sshd on 127.0.0.1)', () => {
  let repo: TempRepo;
  let host: TestHost & { stop(): void };
  let hostRoot: string;
  const fleets: Fleet[] = [];
  const open = async (): Promise<Fleet> => {
    const f = await createFleet({ cwd: repo.root });
    fleets.push(f);
    return f;
  };

  beforeAll(async () => {
    repo = makeTempRepo();
    host = await startTestHost(sshd!, repo, 'box', { memReserveMB: 0 });
    hostRoot = host.root;
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
        bootstrap: { copy: ['.env'], setup: [['sh', '-c', 'echo set-up > setup.txt']] },
        profiles: {
          worker: {
            command: ['sh', '-c', AGENT, '{prompt}'],
            hooks: 'none',
            env: { GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'a@flotilla.invalid', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'a@flotilla.invalid' },
          },
        },
        hosts: { box: host.config },
      }),
    );
    writeFileSync(join(repo.root, '.env'), 'SECRET=1\n');
    // A package without dependencies: npm ci works offline, so the host's shared node_modules store is made.
    writeFileSync(join(repo.root, 'package.json'), '{ "name": "remote", "version": "1.0.0" }\n');
    writeFileSync(join(repo.root, 'package-lock.json'), JSON.stringify({ name: 'remote', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'remote', version: '1.0.0' } } }) + '\n');
    execFileSync('git', ['-C', repo.root, 'add', 'package.json', 'package-lock.json']);
    execFileSync('git', ['-C', repo.root, '-c', 'user.name=t', '-c', 'user.email=t@flotilla.invalid', 'commit', '-qm', 'package']);
  }, 30_000);

  afterAll(async () => {
    for (const f of fleets) await f.close().catch(() => undefined);
    host?.stop();
    repo?.cleanup();
  });

  it('starts on the host (--host), talks to the agent, brings its commit back, is adopted by a new process, and stops', { timeout: 60_000 }, async () => {
    const fleet = await open();
    await fleet.dispatch({ type: 'task.add', input: { title: 'Remote', prompt: 'do it', id: 'remote' } });
    await expect(fleet.dispatch({ type: 'task.start', id: 'remote', host: 'nowhere' })).rejects.toThrow(/no host "nowhere" in config hosts \(known: box\)/);

    const info = await fleet.dispatch({ type: 'task.start', id: 'remote', host: 'box' });
    expect('pid' in info && info.pid).toBeGreaterThan(0);
    const task = (await fleet.registry.read()).tasks[0]!;
    const attempt = task.attempts[0]!;
    expect(task.host).toBe('box');
    expect(attempt.host).toBe('box');
    // The worktree is on the host, under its worktree root, made from the host's bare mirror, bootstrapped there.
    expect(attempt.worktree.startsWith(`${hostRoot}/`)).toBe(true);
    expect(execFileSync('git', ['-C', attempt.worktree, 'rev-parse', '--git-common-dir'], { encoding: 'utf8' }).trim()).toMatch(/\/\.flotilla\/[0-9a-f]{10}\/mirror\.git$/);
    expect(readFileSync(join(attempt.worktree, 'setup.txt'), 'utf8')).toBe('set-up\n');
    expect(readFileSync(join(attempt.worktree, '.env'), 'utf8')).toBe('SECRET=1\n');
    // Shared node_modules there: a store in the host's state folder, linked into the worktree.
    expect(attempt.sharedDeps).toMatchObject({ mode: 'shared', manager: 'npm', lockfile: 'package-lock.json' });
    expect(readlinkSync(join(attempt.worktree, 'node_modules'))).toMatch(new RegExp(`^${hostRoot}/\\.flotilla/[0-9a-f]{10}/shared/node_modules-[0-9a-f]{16}$`));

    await waitFor('the agent on the host', async () => (await fleet.sessions!.capture('remote')).includes(`ready in ${attempt.worktree}`));
    await fleet.dispatch({ type: 'task.send', id: 'remote', text: "it's $(here)" });
    await waitFor('the agent to commit', async () => (await fleet.sessions!.capture('remote')).includes('committed'));
    expect(await fleet.sessions!.capture('remote')).toContain("got:it's $(here)");
    // The output log on the host is copied into the attempt's local log.
    const log = attemptFiles(fleet.paths, 'remote', 1).log;
    await waitFor('the local copy of the log', async () => existsSync(log) && readFileSync(log, 'utf8').includes('committed'));

    // A monitor pass fetches the attempt's branch back into the local branch of the same name.
    await fleet.dispatch({ type: 'monitor.check' });
    expect(execFileSync('git', ['-C', repo.root, 'log', '-1', '--format=%s', 'flotilla/remote-a1'], { encoding: 'utf8' }).trim()).toBe('remote work');

    // flotilla restarts: a new process finds the agent on the host and follows it.
    await fleet.close();
    const again = await open();
    expect(await again.sessions!.isAlive('remote')).toBe(true);
    expect(await again.sessions!.capture('remote')).toContain('committed');

    const pid = (await again.registry.read()).tasks[0]!.attempts[0]!.session!.pid!;
    await again.dispatch({ type: 'task.stop', id: 'remote' });
    expect(await again.sessions!.isAlive('remote')).toBe(false);
    // The agent has ended on the host (gone, or a zombie its tmux server is about to reap).
    await waitFor('the agent to end', async () => !existsSync(`/proc/${pid}`) || /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 10_000);
    expect((await again.registry.read()).tasks[0]!.state).toBe('stopped');
  });

  it('a start without --host is placed by memory: the host with more free above its reserve gets it', { timeout: 60_000 }, async () => {
    // Same machine, so the same live memory: box keeps no reserve, this machine keeps its default one.
    const fleet = await open();
    await fleet.dispatch({ type: 'task.add', input: { title: 'Placed', prompt: 'x', id: 'placed' } });
    await fleet.dispatch({ type: 'task.start', id: 'placed' });
    const task = (await fleet.registry.read()).tasks.find((t) => t.id === 'placed')!;
    expect(task.attempts[0]!.host).toBe('box');
    expect(task.attempts[0]!.worktree.startsWith(`${hostRoot}/`)).toBe(true);
    await fleet.dispatch({ type: 'task.stop', id: 'placed' });
  });
});
