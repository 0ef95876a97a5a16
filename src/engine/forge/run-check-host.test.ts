import { mkdirSync, mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema, type HostsPort, type RemoteHostPort } from '../core/index.js';
import { closeMaster, createHosts } from '../hosts/index.js';
import { findSshd, startSshd, type TestSshd } from '../../test-support/sshd.js';
import { endOrphanedCheck } from './local.js';
import { runCheckOnHost, spawnCheckOnHost } from './run-check-host.js';

const sshd = findSshd();
if (!sshd) console.log('SKIP: checks on a host against a real sshd: sshd not found (install openssh-server)');

/** Alive and not a zombie (a killed process its parent has yet to reap counts as ended). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 30_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (running(pid)) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

async function pidIn(file: string, ms = 60_000): Promise<number> {
  const end = Date.now() + ms;
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8').trim() : '';
    if (/^\d+$/.test(text)) return Number(text);
    if (Date.now() > end) throw new Error(`no pid in ${file}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!sshd)('a check on a host (real sshd on 127.0.0.1)', () => {
  let server: TestSshd;
  let dir: string;
  let state: string;
  let wt: string;
  let host: RemoteHostPort;
  let hosts: HostsPort;
  let hostConfig: ReturnType<typeof configSchema.parse>['hosts'][string];
  const log = (name: string) => join(state, 'runs', `${name}.log`);

  beforeAll(async () => {
    server = await startSshd(sshd!);
    dir = mkdtempSync(join(tmpdir(), 'flt-rcheck-'));
    state = join(dir, 'state');
    wt = join(dir, 'wt');
    mkdirSync(state, { mode: 0o700 });
    mkdirSync(wt);
    const config = configSchema.parse({
      hosts: { box: { ssh: `${server.user}@127.0.0.1`, port: server.port, identityFile: server.userKey, knownHostsFile: server.knownHosts, env: { ON_HOST: 'box' } } },
    });
    hostConfig = config.hosts['box']!;
    hosts = createHosts({ config, repoRoot: dir, stateDir: state });
    host = hosts.get('box');
  }, 30_000);
  afterAll(() => {
    closeMaster(state, 'box', hostConfig);
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs argv in the worktree there with the host env and the given markers; output comes back into the local log; exit codes read as locally', { timeout: 120_000 }, async () => {
    const started: Array<{ pgid: number; host: string }> = [];
    const ok = await runCheckOnHost(undefined, host, { name: 'ok', command: ['sh', '-c', 'echo "on $ON_HOST in $(pwd) for $FLOTILLA_TASK/$FLOTILLA_ATTEMPT"; echo to-stderr >&2; echo "it\'s ok"'], timeoutSec: 60 }, {
      cwd: wt,
      logFile: log('ok'),
      taskId: 'fix',
      attempt: 2,
      env: { COMPOSE_PROJECT_NAME: 'x' },
      onStart: (r) => started.push({ pgid: r.pgid, host: r.host }),
    });
    expect(ok.state).toBe('pass');
    expect(ok.exitCode).toBe(0);
    expect(ok.detail).toMatch(/^passed in \d+\.\ds on box$/);
    expect(readFileSync(log('ok'), 'utf8')).toBe(`on box in ${wt} for fix/2\nto-stderr\nit's ok\n`);
    expect(started).toHaveLength(1);
    expect(started[0]!.host).toBe('box');

    const bad = await spawnCheckOnHost(host, { name: 'bad', command: ['sh', '-c', 'echo first; echo "last words"; exit 7'], timeoutSec: 60 }, { cwd: wt, logFile: log('bad') });
    expect([bad.state, bad.exitCode, bad.timedOut, bad.detail]).toEqual(['fail', 7, false, 'exit 7: last words']);
    expect(bad.tail).toBe('first\nlast words');

    const missing = await spawnCheckOnHost(host, { name: 'missing', command: ['no-such-program-flt'], timeoutSec: 60 }, { cwd: wt, logFile: log('missing') });
    expect(missing.state).toBe('fail');
    expect(missing.exitCode).toBe(127);
  });

  it('at its timeout the check and what it started are ended on the host; what left its group (setsid) too, by its token', { timeout: 120_000 }, async () => {
    const escaped = join(wt, 'escaped.pid');
    const child = join(wt, 'child.pid');
    const out = await spawnCheckOnHost(
      host,
      { name: 'slow', command: ['sh', '-c', `setsid sleep 300 & echo $! > ${escaped}; sleep 300 & echo $! > ${child}; echo waiting; wait`], timeoutSec: 2 },
      { cwd: wt, logFile: log('slow') },
    );
    expect(out.state).toBe('fail');
    expect(out.timedOut).toBe(true);
    expect(out.detail).toMatch(/^timed out after 2s and was killed: /);
    expect(readFileSync(log('slow'), 'utf8')).toMatch(/^waiting\n/);
    expect(await gone(await pidIn(child))).toBe(true);
    expect(await gone(await pidIn(escaped))).toBe(true);
  });

  it('cancelled from here (flotilla stopping), the check is ended on the host', { timeout: 120_000 }, async () => {
    const pidFile = join(wt, 'cancel.pid');
    const stop = new AbortController();
    const run = spawnCheckOnHost(host, { name: 'cancel', command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`], timeoutSec: 600 }, { cwd: wt, logFile: log('cancel'), signal: stop.signal });
    const pid = await pidIn(pidFile);
    stop.abort();
    const out = await run;
    expect(out.cancelled).toBe(true);
    expect(await gone(pid)).toBe(true);
  });

  it('a check whose runner died is ended on its host by the next pass (the claim names the host)', { timeout: 120_000 }, async () => {
    const pidFile = join(wt, 'orphan.pid');
    let run: { pgid: number; token: string; host: string } | null = null;
    const pending = spawnCheckOnHost(host, { name: 'orphan', command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 300`], timeoutSec: 600 }, { cwd: wt, logFile: log('orphan'), onStart: (r) => (run = r) });
    const pid = await pidIn(pidFile);
    expect(run).not.toBeNull();
    // A claim of a process that is gone (pid 2^22 + 1 never exists; its start time does not match).
    const ended = await endOrphanedCheck({ pid: 4_194_305, startTime: 'gone', check: run }, hosts);
    expect(ended).toBe(1);
    expect(await gone(pid)).toBe(true);
    const out = await pending;
    expect(out.state).toBe('fail');
    expect(out.exitCode).toBe(143);
  });

  it('caps the log it copies back, and throws (not a failed check) when the host cannot run it', { timeout: 120_000 }, async () => {
    const big = await spawnCheckOnHost(host, { name: 'big', command: ['sh', '-c', 'i=0; while [ $i -lt 200 ]; do echo "line $i of some output"; i=$((i+1)); done'], timeoutSec: 60 }, { cwd: wt, logFile: log('big'), logCapBytes: 1000 });
    expect(big.state).toBe('pass');
    const text = readFileSync(log('big'), 'utf8');
    expect(text.startsWith('line 0 of some output\n')).toBe(true);
    expect(text).toContain('[flotilla: log capped at 1000 bytes; the rest was dropped]');
    expect(Buffer.byteLength(text)).toBeLessThan(1100);
    await expect(spawnCheckOnHost(host, { name: 'nowhere', command: ['true'], timeoutSec: 60 }, { cwd: join(wt, 'gone'), logFile: log('nowhere') })).rejects.toThrow(
      /^host box: check nowhere could not run in .*\/gone: .*/,
    );
  });
});
