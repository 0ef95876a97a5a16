import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/index.js';
import { findSshd } from '../../src/test-support/sshd.js';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { hostTmuxSockets, startTestHost, type TestHost } from '../../src/test-support/test-host.js';
import { waitFor } from '../../src/test-support/tmux-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const sshd = findSshd();
if (!sshd) console.log('SKIP: e2e of a host that stops answering: sshd not found (install openssh-server)');

/** The agent: lives until the release file ($RELEASE, from its profile) appears, then commits its work and exits. */
const AGENT = [
  'echo "waiting for $RELEASE"',
  'while [ ! -e "$RELEASE" ]; do sleep 0.2; done',
  'echo done > work.txt && git add work.txt && git commit -qm "work after the outage" && echo committed',
].join('; ');

interface StatusTask {
  id: string;
  state: string;
  reason: string | null;
  attempts: Array<{ state: string; worktree: string; session: { state: string } | null; failure: unknown }>;
}

describe.skipIf(!sshd || !HAVE_TMUX)('a host that stops answering mid-run, then comes back (real binary, real sshd)', () => {
  let repo: TempRepo;
  let host: TestHost & { stop(): void };
  let notes: string;
  let release: string;
  const cli = (args: string[]) => runCli(repo.root, args, { FLOTILLA_TMUX_SOCKET: `flt-e2e-fault-${process.pid}` });
  const status = async (): Promise<StatusTask> => (JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: StatusTask[] }).tasks[0]!;
  const notified = (): Array<{ event: string; host?: string; tasks?: string[]; summary?: string }> =>
    existsSync(notes) ? readFileSync(notes, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event: string }) : [];

  beforeAll(async () => {
    repo = makeTempRepo({});
    host = await startTestHost(sshd!, repo);
    notes = join(repo.dir, 'notifications.jsonl');
    release = join(repo.dir, 'release');
    repo.write(
      '.flotilla/config.json',
      JSON.stringify({
        worktreeRoot: repo.worktreeRoot,
        runtime: 'tmux',
        forge: 'local',
        gates: [],
        defaultAgent: 'worker',
        // Every notification, as JSON lines: what a user's notify.command would receive.
        notify: { bell: false, desktop: false, command: ['sh', '-c', `cat >> '${notes}'`] },
        // The waiting agent is quiet: it is not judged idle without progress during this test.
        monitor: { intervalSec: 15, idleGraceSec: 3600 },
        profiles: {
          worker: {
            command: ['sh', '-c', AGENT, 'agent', '{prompt}'],
            hooks: 'none',
            env: { RELEASE: release, GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'a@flotilla.invalid', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'a@flotilla.invalid' },
          },
        },
        hosts: { box: host.config },
      }),
    );
  }, 30_000);

  afterAll(() => {
    host?.stop();
    repo?.cleanup();
  });

  it('its task is left alone (not failed, no attempt used, one needs-you), shows host unreachable since, and reaches ready once the host is back', { timeout: 300_000 }, async () => {
    expect((await cli(['add', 'Outage', '--id', 'far', '--prompt', 'wait, then commit'])).code).toBe(0);
    const started = await cli(['start', 'far', '--host', 'box']);
    expect(started.stdout).toMatch(/started far \(attempt 1, on host box/);
    const worktree = (await status()).attempts[0]!.worktree;
    // The agent lives on the host, waiting.
    const [hostSocket] = hostTmuxSockets(host.root);
    const paneDead = () => execFileSync('tmux', ['-S', hostSocket!, 'list-panes', '-t', '=far', '-F', '#{pane_dead}'], { encoding: 'utf8' }).trim();
    expect(paneDead()).toBe('0');
    await cli(['check']);
    expect((await status()).attempts.map((a) => a.state)).toEqual(['running']);
    // The probe measures the agent's RSS there (its pane's process tree, from ps): hosts and status show it.
    const rows = JSON.parse((await cli(['hosts', '--json'])).stdout) as Array<{ name: string; agentRssMB: Record<string, number> }>;
    expect(rows.find((r) => r.name === 'box')!.agentRssMB.far).toBeGreaterThan(0);
    expect((await cli(['hosts'])).stdout).toMatch(/box .* 1\/0\/4 \(\d+ MB\)/);
    // status reads the hosts' probe cache: a row taken before the agent started (by `start`) has no
    // figure for it until the row is taken again (after 10 s).
    const rss = await waitFor(
      "status to show the agent's measured RSS",
      async () => {
        const resources = (JSON.parse((await cli(['status', '--json'])).stdout) as { resources: { hosts: Array<{ name: string; agentsRssMB: number | null }> } }).resources;
        return resources.hosts.find((h) => h.name === 'box')!.agentsRssMB;
      },
      60_000,
      1000,
    );
    expect(rss).toBeGreaterThan(0);

    // The host goes away (sshd and every connection it served); the agent keeps running there.
    host.server.kill();
    const first = await cli(['check']);
    const second = await cli(['check']);
    for (const run of [first, second]) expect(run.stderr).toMatch(/check: box: host unreachable since \S+ \(/);
    const down = await status();
    expect(down.state).toBe('running');
    expect(down.attempts).toHaveLength(1);
    expect(down.attempts[0]!.failure).toBeNull();
    // Its session is not taken for gone because the host did not answer.
    expect(down.attempts[0]!.session?.state).not.toBe('exited');
    // ssh's own reason, quoted: the port is closed now.
    const refused = `ssh: connect to host 127.0.0.1 port ${host.server.port}: Connection refused`;
    expect(down.reason).toMatch(/^host unreachable since \d{4}-\d\d-\d\dT\S+ \(/);
    expect(down.reason).toContain(`(${refused})`);
    const table = await cli(['status']);
    expect(table.stdout).toMatch(/far\s+running.*host unreachable since/);
    const hosts = await cli(['hosts']);
    expect(hosts.stdout).toMatch(/box.*unreachable: ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused/);
    // One needs-you for the host, naming its task and ssh's reason, over two passes (not one per task or per pass).
    expect(notified().filter((n) => n.event === 'host-down')).toEqual([expect.objectContaining({ event: 'host-down', host: 'box', tasks: ['far'], summary: expect.stringContaining(`(unreachable: ${refused})`) })]);
    expect(paneDead()).toBe('0');

    // The host comes back (same port and keys); the agent finishes there; it is adopted and the task goes on.
    writeFileSync(release, 'go\n');
    await host.server.restart();
    const ready = await waitFor(
      'the task to be ready after the host came back',
      async () => {
        await cli(['check']);
        const s = await status();
        return s.state === 'ready' ? s : null;
      },
      120_000,
      1000,
    );
    expect(ready.attempts).toHaveLength(1);
    expect(ready.reason ?? '').not.toMatch(/host unreachable/);
    expect(execFileSync('git', ['-C', repo.root, 'log', '-1', '--format=%s', 'flotilla/far-a1'], { encoding: 'utf8' }).trim()).toBe('work after the outage');
    expect(readFileSync(join(worktree, 'work.txt'), 'utf8')).toBe('done\n');
    expect(notified().filter((n) => n.event === 'host-down')).toHaveLength(1);
    // One info when it answered (its task may already have finished in that same pass).
    expect(notified().filter((n) => n.event === 'host-back')).toEqual([expect.objectContaining({ host: 'box' })]);
  });
});
