import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/index.js';
import { findSshd, startSshd, type TestSshd } from '../../src/test-support/sshd.js';
import { PROJECT_ROOT, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { hostOn, type TestHost } from '../../src/test-support/test-host.js';
import { waitFor } from '../../src/test-support/tmux-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const sshd = findSshd();
if (!sshd) console.log('SKIP: e2e of placement on hosts: sshd not found (install openssh-server)');

const AGENT = join(PROJECT_ROOT, 'assets', 'demo-agent', 'demo-agent.mjs');
const PROMPT = 'demo: say "at work"';

interface StatusJson {
  tasks: Array<{ id: string; state: string; reason: string | null; host: string | null; attempts: Array<{ host: string | null }> }>;
  resources: { hosts?: Array<{ name: string; agents: { running: number; max: number }; freeAboveReserveMB: number | null; waiting: Array<{ taskId: string; reason: string }> }> };
}

/**
 * Placement and per-host agent slots through the real binary, against two real sshd on 127.0.0.1
 * (one per simulated host, each with its own worktree root and tmux server there). One setup for
 * every case: the hosts stay up across them.
 */
describe.skipIf(!sshd || !HAVE_TMUX)('placement and host slots through the real binary (two sshd on 127.0.0.1)', () => {
  let roomy: TestSshd;
  let tight: TestSshd;
  let repo: TempRepo;
  const hosts: Record<string, Record<string, unknown>> = {};
  const made: TestHost[] = [];
  const t0 = Date.now();
  const cli = async (args: string[]) => {
    const r = await runCli(repo.root, args, { FLOTILLA_TMUX_SOCKET: `flt-e2e-place-${process.pid}` });
    console.log(`host-placement e2e: ${args.join(' ')} → ${r.code} at ${Date.now() - t0} ms`);
    return r;
  };
  const status = async () => JSON.parse((await cli(['status', '--json'])).stdout) as StatusJson;

  beforeAll(async () => {
    [roomy, tight] = await Promise.all([startSshd(sshd!), startSshd(sshd!)]);
    repo = makeTempRepo({});
    const host = (server: TestSshd, name: string, over: Record<string, unknown>) => {
      const h = hostOn(server, repo, name, over);
      made.push(h);
      return h.config;
    };
    // The same machine's memory for all three: the reserves decide. roomy keeps none back, tight
    // 1 GB, this machine 2 GB, so roomy has the most free above its reserve.
    hosts.roomy = host(roomy, 'roomy', { memReserveMB: 0, maxAgents: 1 });
    hosts.tight = host(tight, 'tight', { memReserveMB: 1024 });
    // A key this sshd does not accept (its own host key).
    hosts.badkey = host(tight, 'badkey', { identityFile: join(tight.dir, 'host_key') });
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
        limits: { memReserveMB: 2048, defaultPeakMB: { agent: 64 } },
        profiles: { demo: { command: [process.execPath, AGENT, '{prompt}'], hooks: 'claude', env: { CLAUDE_CONFIG_DIR: join(repo.root, '.flotilla', 'demo-claude'), NO_COLOR: '1' } } },
        hosts,
      }),
    );
    for (const id of ['first', 'second', 'third']) expect((await cli(['add', id, '--id', id, '--prompt', PROMPT])).code).toBe(0);
  }, 60_000);

  afterAll(async () => {
    await cli(['stop', 'first']).catch(() => undefined);
    await cli(['stop', 'second']).catch(() => undefined);
    spawnSync('tmux', ['-L', `flt-e2e-place-${process.pid}`, 'kill-server'], { stdio: 'ignore' });
    for (const h of made) h.release();
    roomy?.stop();
    tight?.stop();
    repo?.cleanup();
  });

  it('start without --host goes to the host with the most memory free above its reserve', { timeout: 240_000 }, async () => {
    const started = await cli(['start', 'first']);
    expect(started.stdout).toMatch(/started first \(attempt 1, on host roomy, pid \d+ there\)/);
    const s = await status();
    expect(s.tasks.find((t) => t.id === 'first')!.attempts[0]!.host).toBe('roomy');
    expect(s.resources.hosts?.find((h) => h.name === 'roomy')).toMatchObject({ agents: { running: 1, max: 1 } });
  });

  it('a full host: the next task pinned there is queued with the reason, and starts when the first is stopped', { timeout: 240_000 }, async () => {
    const queued = await cli(['start', 'second', '--host', 'roomy']);
    // Once (a loaded CI machine) `second` started here: say what the registry held of `first` then.
    if (!/^second queued/m.test(queued.stdout)) console.log(`host-placement e2e: second not queued; first was ${JSON.stringify((await status()).tasks.find((t) => t.id === 'first'))}`);
    expect(queued.code).toBe(0);
    expect(queued.stdout).toMatch(/^second queued, waiting: host roomy 1\/1 agent slots busy; the next pass/m);
    const s = await status();
    expect(s.tasks.find((t) => t.id === 'second')).toMatchObject({ state: 'queued', host: 'roomy', attempts: [] });
    expect(s.resources.hosts?.find((h) => h.name === 'roomy')?.waiting).toEqual([{ taskId: 'second', reason: '1/1 agent slots busy' }]);
    expect((await cli(['status'])).stdout).toMatch(/^host roomy: 1\/1 agents(?: \(\d+ MB measured\))? · .* · waiting: second \(1\/1 agent slots busy\)$/m);

    expect((await cli(['stop', 'first'])).code).toBe(0);
    const running = await waitFor(
      'the queued task to start on roomy',
      async () => {
        await cli(['check']);
        const t = (await status()).tasks.find((x) => x.id === 'second');
        return t?.state === 'running' ? t : null;
      },
      60_000,
      1000,
    );
    expect(running.attempts[0]!.host).toBe('roomy');
  });

  it('a key the host refuses: start --host and hosts check name the host and the fix, exit non-zero', { timeout: 60_000 }, async () => {
    const bad = await cli(['start', 'third', '--host', 'badkey']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^flotilla: cannot start third on host badkey: ssh authentication to host badkey .*failed: .*Permission denied.*; fix: put your public key on the host \(ssh-copy-id /);
    const t = (await status()).tasks.find((x) => x.id === 'third')!;
    expect(t.attempts).toEqual([]);
    const check = await cli(['hosts', 'check', 'badkey']);
    expect(check.code).toBe(1);
    expect(check.stdout).toMatch(/^problem: ssh authentication to host badkey .*Permission denied/m);
    expect(check.stdout).toMatch(/fix: put your public key on the host/);
  });
});
