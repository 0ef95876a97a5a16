import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../exec/index.js';
import { findSshd, type TestSshd } from '../../test-support/sshd.js';
import { startSshHost } from '../../test-support/ssh-host.js';
import { classifySshError, controlDir, controlPath, remoteLine, shellQuote, sshArgv, sshTransport, type SshHost } from './ssh.js';

const HOSTILE = ["it's", '$(touch /tmp/pwned-h17)', '`id`', 'a b\tc\nd', '"; rm -rf ~; "', '\\', '', "'", "''\\''", '*', '-n'];

describe('shellQuote / remoteLine', () => {
  it('round-trips hostile args through a real POSIX shell', () => {
    const line = remoteLine({ argv: ['printf', '%s\\0', ...HOSTILE] });
    const r = spawnSync('sh', ['-c', line], { encoding: 'utf8' });
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(existsSync('/tmp/pwned-h17')).toBe(false);
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });
  it('refuses env names that are not names, and turning host key checking off', () => {
    expect(() => remoteLine({ argv: ['true'], env: { 'A;B': 'x' } })).toThrow(/not allowed/);
    expect(() => remoteLine({ argv: ['A=b', 'x'] })).toThrow(/not allowed/);
    expect(() => remoteLine({ argv: ['-i', 'x'] })).toThrow(/not allowed/);
    const dir = mkdtempSync(join(tmpdir(), 'h17-'));
    const host: SshHost = { name: 'b', config: { ssh: 'a@b', port: 22, maxAgents: 1, maxBuilds: 2, memReserveMB: 0, env: {} }, controlDir: controlDir(dir), extraOptions: ['StrictHostKeyChecking=no'] };
    expect(() => sshArgv(host)).toThrow(/cannot be turned off/);
    expect(controlPath(host).length).toBeLessThan(dir.length + 20);
    rmSync(dir, { recursive: true, force: true });
  });
  it('two config hosts on one machine with another key or known_hosts get their own master socket', () => {
    const base: SshHost = { name: 'a', config: { ssh: 'u@h', port: 22, maxAgents: 1, maxBuilds: 2, memReserveMB: 0, env: {} }, controlDir: '/s' };
    const paths = new Set([
      controlPath(base),
      controlPath({ ...base, name: 'b' }),
      controlPath({ ...base, config: { ...base.config, identityFile: '/k' } }),
      controlPath({ ...base, config: { ...base.config, knownHostsFile: '/kh' } }),
    ]);
    expect(paths.size).toBe(4);
    expect(controlPath(base)).toBe(controlPath({ ...base }));
  });
  it('classifies ssh errors', () => {
    expect(classifySshError('me@h: Permission denied (publickey).')).toBe('auth');
    expect(classifySshError('ssh: connect to host 127.0.0.1 port 1: Connection refused')).toBe('unreachable');
    expect(classifySshError('No ED25519 host key is known for [127.0.0.1]:5 and you have requested strict checking.\r\nHost key verification failed.')).toBe('hostkey');
  });
});

const sshd = findSshd();
if (!sshd) console.log('SKIP: ssh transport tests against a real sshd: sshd not found (install openssh-server)');

describe.skipIf(!sshd)('sshTransport against a real sshd', () => {
  let server: TestSshd;
  let state: string;
  let host: SshHost;
  let stop = () => {};
  beforeAll(async () => {
    ({ server, state, host, stop } = await startSshHost(sshd!, 'h17s-'));
  });
  afterAll(() => stop());

  it('runs argv exactly (hostile args), with cwd, env and exit codes, over one master connection', async () => {
    const t = sshTransport(host);
    const r = await runCommand({ argv: ['printf', '%s\\0', ...HOSTILE], cwd: '/tmp' }, t);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout.split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(existsSync('/tmp/pwned-h17')).toBe(false);
    const e = await runCommand({ argv: ['sh', '-c', 'echo "$FLOT_HOST $X"; pwd; exit 7'], cwd: '/tmp', env: { X: "y'z" } }, t);
    expect(e.exitCode).toBe(7);
    expect(e.stdout).toBe("box y'z\n/tmp\n");
    expect(existsSync(controlPath(host))).toBe(true);
    const check = spawnSync('ssh', ['-o', `ControlPath=${controlPath(host)}`, '-O', 'check', 'x'], { encoding: 'utf8' });
    expect(check.status).toBe(0);
  });
  it("the host's sessions run in a home of the host's own (the test sshd's), never the test account's rc files", async () => {
    const r = await runCommand({ argv: ['sh', '-c', 'printf %s "$HOME"'] }, sshTransport(host));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(server.home);
  });
  it('a wrong key is an auth failure', async () => {
    const bad = { ...host, name: 'bad', controlDir: controlDir(join(state, 'bad')), config: { ...host.config, identityFile: join(server.dir, 'host_key') } };
    const r = await runCommand({ argv: ['true'] }, sshTransport(bad));
    expect(r.exitCode).toBe(255);
    expect(classifySshError(r.stderr)).toBe('auth');
  });
  it('an unknown host key is a host-key failure and a closed port is unreachable', async () => {
    const empty = join(state, 'empty_known_hosts');
    const unknown = { ...host, name: 'unk', controlDir: controlDir(join(state, 'unk')), extraOptions: [`UserKnownHostsFile=${empty}`, 'GlobalKnownHostsFile=/dev/null'] };
    const r = await runCommand({ argv: ['true'] }, sshTransport(unknown));
    expect(r.exitCode).toBe(255);
    expect(classifySshError(r.stderr)).toBe('hostkey');
    const closed = { ...host, name: 'off', controlDir: controlDir(join(state, 'off')), config: { ...host.config, port: 1 } };
    const c = await runCommand({ argv: ['true'] }, sshTransport(closed));
    expect(c.exitCode).toBe(255);
    expect(classifySshError(c.stderr)).toBe('unreachable');
  });
});
