import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TaskRegistry, taskSchema } from '../../src/engine/index.js';
import { findSshd, startSshd, type TestSshd } from '../../src/test-support/sshd.js';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { sshHostConfig } from '../../src/test-support/test-host.js';

// `flotilla hosts` and `hosts check` through the real binary against a real sshd on 127.0.0.1:
// one good host, one with a key the server does not accept, one with a known_hosts that lacks the
// server's key, one where nothing listens; then the good host's sshd killed and started again.

const sshd = findSshd();
if (!sshd) console.log('SKIP: hosts e2e: sshd not found (install openssh-server)');

interface Row {
  name: string;
  reachable: boolean;
  fault: string | null;
  message: string | null;
  memory: { availableMB: number; reserveMB: number; freeAboveReserveMB: number } | null;
  agents: { running: number; queued: number; max: number; tasks: string[] };
  programs: Record<string, string | null>;
}

describe.skipIf(!sshd)('flotilla hosts against real sshd', () => {
  let server: TestSshd;
  let repo: TempRepo;
  const rows = async (): Promise<Row[]> => {
    const r = await runCli(repo.root, ['hosts', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as Row[];
  };
  beforeAll(async () => {
    server = await startSshd(sshd!);
    const base = sshHostConfig(server);
    repo = makeTempRepo({
      hosts: {
        box: { ...base, maxAgents: 3, memReserveMB: 1024, worktreeRoot: join(server.dir, 'wt') },
        badkey: { ...base, identityFile: join(server.dir, 'host_key') },
        nohostkey: { ...base, knownHostsFile: join(server.dir, 'empty_known_hosts') },
        down: { ...base, port: 1 },
      },
    });
    const at = new Date().toISOString();
    await new TaskRegistry(join(repo.root, '.flotilla', 'tasks.json')).update((d) => {
      d.tasks.push(
        taskSchema.parse({
          id: 'far', title: 'Far', prompt: 'p', agent: 'claude', base: 'main', state: 'running', stateSince: at, createdAt: at, updatedAt: at,
          attempts: [{ n: 1, branch: 'flotilla/far-a1', worktree: join(repo.worktreeRoot, 'far-a1'), startPoint: 'main', state: 'running', createdAt: at, host: 'box' }],
        }),
        taskSchema.parse({ id: 'next', title: 'Next', prompt: 'p', agent: 'claude', base: 'main', state: 'queued', stateSince: at, createdAt: at, updatedAt: at, attempts: [], host: 'box' }),
      );
    });
  });
  afterAll(() => {
    const dir = join(repo.root, '.flotilla', 'ssh');
    for (const s of readdirSync(dir)) spawnSync('ssh', ['-o', `ControlPath=${join(dir, s)}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
    server?.stop();
    repo?.cleanup();
  });

  it('lists every host with reachability, memory above reserve, agents and versions; names each fault', async () => {
    const [local, box, badkey, nohostkey, down] = await rows();
    expect(local).toMatchObject({ name: 'local', reachable: true, agents: { running: 0, queued: 0 } });
    expect(box).toMatchObject({ name: 'box', reachable: true, fault: null, agents: { running: 1, queued: 1, max: 3, tasks: ['far'] } });
    expect(box!.memory!.reserveMB).toBe(1024);
    expect(box!.memory!.freeAboveReserveMB).toBe(box!.memory!.availableMB - 1024);
    expect(box!.programs.git).toMatch(/^git version/);
    expect(box!.programs.tmux).toMatch(/^tmux /);
    expect(Object.keys(box!.programs)).toEqual(expect.arrayContaining(['claude', 'codex', 'gemini', 'aider']));
    expect(badkey).toMatchObject({ reachable: false, fault: 'auth', message: expect.stringMatching(/Permission denied/) });
    expect(nohostkey).toMatchObject({ reachable: false, fault: 'hostkey' });
    expect(down).toMatchObject({ reachable: false, fault: 'unreachable', message: expect.stringMatching(/Connection refused/) });
    const table = await runCli(repo.root, ['hosts']);
    expect(table.stdout).toMatch(/^box\s+\S+:\d+\s+ok\s+[\d.]+ GB \(of [\d.]+ GB avail, reserve 1\.0 GB\)\s+1\/1\/3\s+git [\d.]+, tmux/m);
    expect(table.stdout).toMatch(/^badkey .* unreachable .*auth: .*Permission denied/m);
  });

  it('hosts check names the host and the fix, exit 1; an unknown host is a usage error', async () => {
    const bad = await runCli(repo.root, ['hosts', 'check', 'badkey']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/^problem: ssh authentication to host badkey \(.*port \d+\) failed: .*Permission denied/m);
    expect(bad.stdout).toMatch(/^ {2}fix: put your public key on the host \(ssh-copy-id -p \d+ -i .*host_key\.pub /m);
    const box = await runCli(repo.root, ['hosts', 'check', 'box']);
    // This machine has none of the agent CLIs: that is the one problem box has.
    expect(box.stdout).toMatch(/^problem: no agent CLI found on host box \(looked for aider, claude, codex, gemini\)/m);
    expect(box.stdout).toMatch(/^note: worktree root .*\/wt does not exist on host box yet/m);
    expect(box.stdout).not.toMatch(/git not found|tmux not found/);
    const nope = await runCli(repo.root, ['hosts', 'check', 'nope']);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toMatch(/^flotilla: hosts check: no host "nope" in .*config\.json \(known: local, box, badkey, nohostkey, down\)\n$/);
  });

  it('a config that drops a host tasks still run on is refused with their ids', async () => {
    const file = join(repo.root, '.flotilla', 'config.json');
    const text = readFileSync(file, 'utf8');
    const config = JSON.parse(text) as { hosts: Record<string, unknown> };
    delete config.hosts.box;
    writeFileSync(file, JSON.stringify(config));
    try {
      for (const args of [['status'], ['hosts']]) {
        const r = await runCli(repo.root, args);
        expect(r.code).toBe(1);
        expect(r.stderr).toMatch(/^flotilla: .*config\.json: key "hosts": host box still runs far, but config has no such host: put it back under "hosts"/);
      }
    } finally {
      writeFileSync(file, text);
    }
  });
  it('a host whose sshd dies is unreachable (its master connection gone too), and ok again once it is back', async () => {
    server.kill();
    const gone = (await rows()).find((r) => r.name === 'box')!;
    expect(gone).toMatchObject({ reachable: false, fault: 'unreachable', agents: { running: 1 } });
    // A monitoring pass says so and records when the outage began (one notice per outage: health.test.ts).
    const healthFile = join(repo.root, '.flotilla', 'hosts-health.json');
    const check = await runCli(repo.root, ['check', '--json']);
    const errors = (JSON.parse(check.stdout) as { errors: string[] }).errors;
    expect(errors).toContainEqual(expect.stringMatching(/^box: host unreachable since \S+ \(Connection refused|.*\)$/));
    expect((JSON.parse(readFileSync(healthFile, 'utf8')) as Record<string, { downSince: string }>).box!.downSince).toMatch(/^\d{4}-/);
    await server.restart();
    expect((await rows()).find((r) => r.name === 'box')).toMatchObject({ reachable: true, fault: null });
    const back = await runCli(repo.root, ['check', '--json']);
    expect((JSON.parse(back.stdout) as { errors: string[] }).errors.filter((e) => e.startsWith('box:'))).toEqual([]);
    expect((JSON.parse(readFileSync(healthFile, 'utf8')) as Record<string, { downSince: string | null }>).box!.downSince).toBeNull();
  });

});
