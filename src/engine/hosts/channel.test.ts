import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSshd, type TestSshd } from '../../test-support/sshd.js';
import { startSshHost } from '../../test-support/ssh-host.js';
import { HostChannel, channelRequest, parseChannelAnswer } from './channel.js';
import type { SshHost } from './ssh.js';

const HOSTILE = ["it's", '$(touch /tmp/pwned-ch17)', '`id`', 'a b\tc\nd', '"; exit 9; "', '\\', '', "'", '*', '-n', 'flotilla-ch-0 0'];

describe('channel answers', () => {
  it('runs argv exactly through a real POSIX shell and frames stdout, status and stderr', () => {
    const mark = 'flotilla-ch-0123456789abcdef';
    const script = channelRequest(['sh', '-c', 'printf "%s\\0" "$@"; printf "no newline" >&2; exit 3', 'sh', ...HOSTILE], mark) + channelRequest(['true'], `${mark}x`);
    const r = spawnSync('sh', [], { input: script });
    const out = r.stdout as Buffer;
    const first = parseChannelAnswer(out, mark)!;
    expect(first.exitCode).toBe(3);
    expect(first.stdout.toString().split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(first.stderr).toBe('no newline');
    const second = parseChannelAnswer(out.subarray(first.used), `${mark}x`)!;
    expect(second).toMatchObject({ exitCode: 0, stderr: '' });
    expect(second.stdout.length).toBe(0);
    expect(existsSync('/tmp/pwned-ch17')).toBe(false);
  });
  it('waits for the whole answer', () => {
    const mark = 'flotilla-ch-aa';
    const full = Buffer.from(`bytes\n${mark} 0\nerr\n${mark}.\n`);
    for (let n = 0; n < full.length; n++) expect(parseChannelAnswer(full.subarray(0, n), mark)).toBeNull();
    expect(parseChannelAnswer(full, mark)).toMatchObject({ exitCode: 0, stderr: 'err', used: full.length });
  });
});

const sshd = findSshd();
if (!sshd) console.log('SKIP: host channel tests against a real sshd: sshd not found (install openssh-server)');

describe.skipIf(!sshd)('HostChannel against a real sshd', () => {
  let server: TestSshd;
  let host: SshHost;
  let stop = () => {};
  beforeAll(async () => {
    ({ server, host, stop } = await startSshHost(sshd!, 'ch17-'));
  });
  afterAll(() => stop());

  it('runs many commands over one ssh process, binary-safe, with the host env and exit codes', async () => {
    const channel = new HostChannel(host);
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const all = await Promise.all([
      channel.run(['printf', '%s\\0', ...HOSTILE]),
      channel.run(['sh', '-c', 'echo "$FLOT_HOST"; echo oops >&2; exit 7']),
      channel.run(['sh', '-c', `printf '${[...bytes].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('')}'`]),
      // A command that reads stdin gets nothing (never the channel's next command).
      channel.run(['cat']),
      channel.run(['sh', '-c', 'exit 0']),
    ]);
    expect(all[0]!.stdout.toString().split('\0').slice(0, -1)).toEqual(HOSTILE);
    expect(all[1]).toMatchObject({ exitCode: 7, stderr: 'oops' });
    expect(all[1]!.stdout.toString()).toBe('box\n');
    expect(all[2]!.stdout.equals(bytes)).toBe(true);
    expect(all[3]).toMatchObject({ exitCode: 0, stderr: '' });
    expect(all[4]!.exitCode).toBe(0);
    const after = await channel.run(['echo', 'still']);
    expect(after.stdout.toString()).toBe('still\n');
    expect(channel.opened).toBe(1);
    expect(existsSync('/tmp/pwned-ch17')).toBe(false);
    channel.close();
  });
  it('what the host prints before its shell reads (a login rc, a banner) is not taken for an answer', async () => {
    const channel = new HostChannel(host, ['sh', '-c', 'echo "welcome to box"; printf "no newline"; exec sh']);
    const r = await channel.run(['echo', 'first']);
    expect(r).toMatchObject({ exitCode: 0, stderr: '' });
    expect(r.stdout.toString()).toBe('first\n');
    channel.close();
  });
  it('a command past its time ends the channel; the next command opens a new one', async () => {
    const channel = new HostChannel(host);
    const slow = await channel.run(['sleep', '5'], { timeoutMs: 500 });
    expect(slow.exitCode).toBeNull();
    expect(slow.stderr).toMatch(/host box: no answer within/);
    const next = await channel.run(['echo', 'back']);
    expect(next).toMatchObject({ exitCode: 0, stderr: '' });
    expect(next.stdout.toString()).toBe('back\n');
    expect(channel.opened).toBe(2);
    channel.close();
  });
  it('a command waiting behind a slow one gets its own time from its call; the slow one goes on in the same channel', async () => {
    const channel = new HostChannel(host);
    const order: string[] = [];
    const slow = channel.run(['sh', '-c', 'sleep 2; echo slept'], { timeoutMs: 20_000 }).then((r) => (order.push('slow'), r));
    const waiting = channel.run(['echo', 'late'], { timeoutMs: 300 }).then((r) => (order.push('waiting'), r));
    const late = await waiting;
    expect(late.exitCode).toBeNull();
    expect(late.stderr).toMatch(/host box: no answer within/);
    const done = await slow;
    expect(done).toMatchObject({ exitCode: 0, stderr: '' });
    expect(done.stdout.toString()).toBe('slept\n');
    expect(order).toEqual(['waiting', 'slow']);
    expect((await channel.run(['echo', 'next'])).stdout.toString()).toBe('next\n');
    expect(channel.opened).toBe(1);
    channel.close();
  });
  it('a host that went away fails with ssh\'s reason (exit 255), and answers again once it is back', async () => {
    const channel = new HostChannel(host);
    expect((await channel.run(['true'])).exitCode).toBe(0);
    server.kill();
    const down = await channel.run(['true'], { timeoutMs: 10_000 });
    expect(down.exitCode).toBe(255);
    const again = await channel.run(['true'], { timeoutMs: 10_000 });
    expect(again.exitCode).toBe(255);
    expect(again.stderr).toMatch(/Connection refused/);
    await server.restart();
    const back = await channel.run(['echo', 'ok'], { timeoutMs: 20_000 });
    expect(back.stdout.toString()).toBe('ok\n');
    channel.close();
  });
  it('close ends the ssh client and fails what waits', async () => {
    const channel = new HostChannel(host);
    const waiting = channel.run(['sleep', '5']);
    await new Promise((r) => setTimeout(r, 300));
    channel.close();
    expect((await waiting).exitCode).toBe(255);
  });
});
