import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostConfig } from '../core/index.js';
import { localTransport } from '../exec/index.js';
import { findSshd, startSshd, type TestSshd } from '../../test-support/sshd.js';
import { HostChannel } from './channel.js';
import { channelRun, probeHost, probeHosts, transportRun, type ProbeTarget } from './probe-hosts.js';
import { controlDir, controlPath, sshReason, sshTransport } from './ssh.js';

// A host that accepts the TCP connection and then says nothing (a hung machine, a dead NAT): its
// probe times out on its own while the others answer at once.
describe('probeHosts', () => {
  let server: Server;
  let port: number;
  let state: string;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    state = mkdtempSync(join(tmpdir(), 'fph-'));
    server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    server.close();
    rmSync(state, { recursive: true, force: true });
  });

  it('a stalled host times out alone; the others answer without waiting for it', async () => {
    const request = { programs: ['git'], versions: false, worktrees: [] };
    const ssh = { name: 'stalled', config: { ssh: 'u@127.0.0.1', port, maxAgents: 1, maxBuilds: 2, memReserveMB: 0, env: {} }, controlDir: controlDir(state) };
    const done: string[] = [];
    // Each run notes when it has answered, so the order of answers can be seen.
    const target = (name: string, remote: boolean, run: ProbeTarget['run']): ProbeTarget => ({
      name,
      remote,
      request,
      run: async (argv, ms) => {
        const r = await run(argv, ms);
        done.push(name);
        return r;
      },
    });
    const local = target('local', false, transportRun(localTransport));
    // As its own ssh exec, and in a host channel (the pass's way): the same fault, in its own time.
    const exec = target('stalled', true, transportRun(sshTransport(ssh)));
    const channel = new HostChannel(ssh);
    const inChannel = target('stalled-channel', true, channelRun({ readBytes: (argv, o) => channel.run(argv, o) }));
    const outcomes = await probeHosts([exec, inChannel, local], 1500);
    expect(outcomes[0]).toMatchObject({ name: 'stalled', ok: false, fault: 'timeout', message: 'no answer within 1.5 s' });
    expect(outcomes[1]).toMatchObject({ name: 'stalled-channel', ok: false, fault: 'timeout', message: 'no answer within 1.5 s' });
    expect(outcomes[2]).toMatchObject({ name: 'local', ok: true });
    expect(done[0]).toBe('local');
    expect(channel.opened).toBe(1);
    channel.close();
  });
});

describe('sshReason', () => {
  it('picks the line that names the fault, filtered, one line', () => {
    expect(sshReason('ssh: connect to host 10.0.0.9 port 22: No route to host\r\n')).toBe('ssh: connect to host 10.0.0.9 port 22: No route to host');
    expect(sshReason("Warning: Permanently added '[h]:22' (ED25519) to the list of known hosts.\r\nme@h: Permission denied (publickey).\r\n")).toBe('me@h: Permission denied (publickey).');
    expect(sshReason('kex_exchange_identification: read: Connection reset by peer\x1b[31m\r\nConnection reset by 10.0.0.9 port 22\r\n')).toBe('kex_exchange_identification: read: Connection reset by peer[31m');
    expect(sshReason('No ED25519 host key is known for [h]:5 and you have requested strict checking.\r\nHost key verification failed.\r\n')).toBe(
      'host key unknown: No ED25519 host key is known for [h]:5 and you have requested strict checking.; Host key verification failed.',
    );
    expect(sshReason('some other\nlast word\n')).toBe('last word');
    expect(sshReason('')).toBe('');
  });
});

const sshd = findSshd();
if (!sshd) console.log('SKIP: probe faults against a real sshd: sshd not found (install openssh-server)');

// What the probe says when the host fails, in ssh's own words: `status`, `hosts`, the view's pane
// title and the host-down notice all show this message.
describe.skipIf(!sshd)('probeHost says why a host failed (real sshd)', () => {
  let server: TestSshd;
  let state: string;
  let config: HostConfig;
  const request = { programs: ['git'], versions: false, worktrees: [] };
  const sshHost = (name: string, c: HostConfig) => ({ name, config: c, controlDir: controlDir(join(state, name)), persistSec: 30 });
  const target = (name: string, c: HostConfig): ProbeTarget => ({ name, remote: true, request, run: transportRun(sshTransport(sshHost(name, c))) });
  /** The same probe in a host channel (the monitoring pass's way). */
  const channels: HostChannel[] = [];
  const inChannel = (name: string, c: HostConfig): ProbeTarget => {
    const channel = new HostChannel(sshHost(name, c));
    channels.push(channel);
    return { name, remote: true, request, run: channelRun({ readBytes: (argv, o) => channel.run(argv, o) }) };
  };
  const closeMasters = () => {
    for (const name of ['box', 'auth', 'unknown', 'changed']) spawnSync('ssh', ['-o', `ControlPath=${controlPath({ name, config, controlDir: join(state, name, 'ssh') })}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
  };
  beforeAll(async () => {
    server = await startSshd(sshd!);
    state = mkdtempSync(join(tmpdir(), 'fphs-'));
    config = { ssh: `${server.user}@127.0.0.1`, port: server.port, identityFile: server.userKey, knownHostsFile: server.knownHosts, maxAgents: 1, maxBuilds: 1, memReserveMB: 0, env: {} };
  });
  afterAll(() => {
    for (const channel of channels) channel.close();
    closeMasters();
    server?.stop();
    rmSync(state, { recursive: true, force: true });
  });

  it.each([
    ['an ssh exec', target],
    ['a host channel', inChannel],
  ])('a refused key, an unknown and a changed host key: ssh\'s reason, named (%s)', async (_, make) => {
    const auth = await probeHost(make('auth', { ...config, identityFile: join(server.dir, 'host_key') }), 15_000);
    expect(auth).toMatchObject({ ok: false, fault: 'auth' });
    expect(auth.ok || auth.message).toMatch(/Permission denied \(publickey\)/);
    const empty = join(state, 'empty_known_hosts');
    writeFileSync(empty, '');
    const unknown = await probeHost(make('unknown', { ...config, knownHostsFile: empty }), 15_000);
    expect(unknown).toMatchObject({ ok: false, fault: 'hostkey' });
    expect(unknown.ok || unknown.message).toBe('host key unknown: Host key verification failed.');
    // Another key under this host's name in known_hosts: the host key changed.
    const changed = join(state, 'changed_known_hosts');
    const other = join(state, 'other_key');
    if (!existsSync(other)) spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
    writeFileSync(changed, `[127.0.0.1]:${server.port} ${readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`);
    const moved = await probeHost(make('changed', { ...config, knownHostsFile: changed }), 15_000);
    expect(moved).toMatchObject({ ok: false, fault: 'hostkey' });
    expect(moved.ok || moved.message).toMatch(/^host key changed: WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!; Host key verification failed\.$/);
  });

  it.each([
    ['an ssh exec', target],
    ['a host channel', inChannel],
  ])('an sshd that goes away while the probe runs over the master: "Connection refused", not a wordless ssh failure; it answers once back (%s)', async (_, make) => {
    const box = make('box', config);
    expect(await probeHost(box, 15_000)).toMatchObject({ ok: true });
    // The first probe after this runs 2 s on the host; sshd and its connections die under it.
    let slow = true;
    const dropping: ProbeTarget = {
      ...box,
      run: (argv, ms) => {
        const run = box.run(slow ? [...argv.slice(0, 2), `sleep 2; ${argv[2]}`] : argv, ms);
        if (slow) setTimeout(() => server.kill(), 700);
        slow = false;
        return run;
      },
    };
    const down = await probeHost(dropping, 15_000);
    expect(down).toMatchObject({ ok: false, fault: 'unreachable' });
    expect(down.ok || down.message).toMatch(new RegExp(`^ssh: connect to host 127\\.0\\.0\\.1 port ${server.port}: Connection refused$`));
    await server.restart();
    expect(await probeHost(box, 15_000)).toMatchObject({ ok: true });
  });
});
