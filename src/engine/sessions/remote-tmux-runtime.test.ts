import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findSshd, startSshd, type TestSshd } from '../../test-support/sshd.js';
import { sshHostConfig } from '../../test-support/test-host.js';
import { HAVE_TMUX, waitFor } from '../../test-support/tmux-repo.js';
import { closeMaster, createHosts } from '../hosts/index.js';
import type { RemoteHostPort } from '../core/index.js';
import { createRunner, runCommand } from '../exec/index.js';
import { hostHookFiles, hostHookScript } from './host-hooks.js';
import { LOG_ROUND_SCRIPT, type LogChunk, parseCaptures, parseLogChunks, parseLogRound, READ_LOGS_PERL, READ_LOGS_SCRIPT, READ_LOGS_SH, RemoteTmuxRuntime, remoteAgentEnv } from './remote-tmux-runtime.js';
import { PANE_FORMAT } from './tmux.js';

const dir = mkdtempSync(join(tmpdir(), 'h17-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * The batched log read as the host's shell runs it (here: this machine's sh), with perl (this
 * machine has it) and without: both ways must print the same bytes.
 */
function readWithAges(pairs: Array<[string, number]>) {
  const args = ['sh', ...pairs.flatMap(([f, o]) => [f, String(o)])];
  const r = spawnSync('sh', ['-c', READ_LOGS_SCRIPT, ...args]);
  expect(r.status).toBe(0);
  const plain = spawnSync('sh', ['-c', READ_LOGS_SH, ...args]);
  const chunks = parseLogChunks(r.stdout, pairs.length);
  const plainChunks = parseLogChunks(plain.stdout, pairs.length);
  // The same sizes and bytes; the same ages give or take the second that may pass between the two.
  const sansAge = (c: LogChunk | null) => c && { size: c.size, bytes: c.bytes };
  expect(plainChunks.map(sansAge)).toEqual(chunks.map(sansAge));
  for (const [i, c] of chunks.entries()) if (c) expect(Math.abs(c.ageMs! - plainChunks[i]!.ageMs!)).toBeLessThanOrEqual(1000);
  return chunks;
}
const read = (pairs: Array<[string, number]>) => readWithAges(pairs).map((c) => c && { size: c.size, bytes: c.bytes });

describe('the log copy lists the panes in the same exec', () => {
  it('gives the pane rows of the host tmux server, none when no server runs, and the log chunks after them', () => {
    const socket = join(dir, 'round.sock');
    const log = join(dir, 'round.log');
    writeFileSync(log, 'line one\n');
    const round = () => {
      const r = spawnSync('sh', ['-c', LOG_ROUND_SCRIPT, 'sh', socket, PANE_FORMAT, 'mark', '0', log, '0']);
      expect(r.status).toBe(0);
      const { panes, rest } = parseLogRound(r.stdout);
      return { panes, chunks: parseLogChunks(rest, 1) };
    };
    expect(round()).toEqual({ panes: [], chunks: [{ size: 9, bytes: Buffer.from('line one\n'), ageMs: expect.any(Number) }] });
    if (spawnSync('tmux', ['-V']).status !== 0) return;
    try {
      for (const name of ['one', 'two']) expect(spawnSync('tmux', ['-S', socket, '-f', '/dev/null', 'new-session', '-d', '-s', name, 'sleep 60']).status).toBe(0);
      const { panes, chunks } = round();
      expect(panes!.map((p) => [p.name, p.dead, Number.isInteger(p.pid) && p.pid! > 0]).sort()).toEqual([['one', false, true], ['two', false, true]]);
      expect(chunks).toEqual([{ size: 9, bytes: Buffer.from('line one\n'), ageMs: expect.any(Number) }]);
    } finally {
      spawnSync('tmux', ['-S', socket, 'kill-server']);
    }
  });

  it('says it could not tell when tmux fails otherwise, and refuses output that is not a round', () => {
    const r = spawnSync('/bin/sh', ['-c', LOG_ROUND_SCRIPT, 'sh', join(dir, 'no-such-dir', 'x', 'sock'), '#{bad', 'mark', '0', join(dir, 'none.log'), '0'], { env: { ...process.env, PATH: '/nonexistent' } });
    expect(r.stdout.toString().split('\n')[0]).toBe('panes -');
    expect(parseLogRound(r.stdout).panes).toBeNull();
    expect(parseLogRound(Buffer.from('garbage\n')).panes).toBeNull();
    expect(parseLogRound(Buffer.from('panes 2\nonly one line\n'))).toEqual({ panes: null, rest: Buffer.alloc(0) });
  });
});

describe("the log copy's exec carries the screen reads", () => {
  it('gives each read its own bytes (escapes, UTF-8, blank lines) and exit status; a session gone fails only its read', () => {
    if (spawnSync('tmux', ['-V']).status !== 0) return;
    const socket = join(dir, 'reads.sock');
    const log = join(dir, 'reads.log');
    writeFileSync(log, 'logged\n');
    const t = (...args: string[]) => spawnSync('tmux', ['-u', '-S', socket, '-f', '/dev/null', ...args]);
    try {
      const screen = `printf '\\033[31mred\\033[0m caf\\303\\251 \\342\\234\\223 $x\\n\\n  two  spaces\\n'; exec sleep 60`;
      for (const name of ['one', "it's two", 'three']) expect(t('new-session', '-d', '-s', name, '-x', '40', '-y', '5', 'sh', '-c', screen).status).toBe(0);
      expect(t('kill-session', '-t', "=it's two").status).toBe(0);
      const reads = [['-p', '-e', '-t', '=one:'], ['-p', '-t', "=it's two:"], ['-p', '-e', '-S', '-1', '-t', '=three:']];
      const expected = (args: string[]) => {
        const r = t('capture-pane', ...args);
        expect(r.status).toBe(0);
        return r.stdout;
      };
      let want: Buffer[] = [];
      for (let i = 0; i < 50; i++) {
        want = [expected(reads[0]!), expected(reads[2]!)];
        if (want.every((w) => w.includes('two  spaces'))) break;
        spawnSync('sleep', ['0.1']);
      }
      const mark = 'flotilla-read-test';
      const r = spawnSync('sh', ['-c', LOG_ROUND_SCRIPT, 'sh', socket, PANE_FORMAT, mark, '3', ...reads.flatMap((a) => [String(a.length), ...a]), log, '0']);
      expect(r.status).toBe(0);
      const { panes, rest } = parseLogRound(r.stdout);
      expect(panes!.map((p) => p.name).sort()).toEqual(['one', 'three']);
      const { reads: got, rest: logs } = parseCaptures(rest, r.stderr.toString(), mark, 3);
      expect(got[0]).toEqual({ exitCode: 0, stdout: want[0]!.toString('utf8'), stderr: '' });
      expect(got[0]!.stdout).toContain('\x1b[31mred\x1b[39m café ✓ $x\n\n  two  spaces');
      expect(got[1]!.exitCode).not.toBe(0);
      expect(got[1]!.stdout).toBe('');
      expect(got[1]!.stderr).toMatch(/can't find/);
      expect(got[2]).toEqual({ exitCode: 0, stdout: want[1]!.toString('utf8'), stderr: '' });
      expect(parseLogChunks(logs, 1)).toEqual([{ size: 7, bytes: Buffer.from('logged\n'), ageMs: expect.any(Number) }]);
      // Output that stops before a read's mark (the exec failed on the way): that read and the rest are unanswered.
      expect(parseCaptures(rest.subarray(0, rest.indexOf(`${mark} 1 `)), '', mark, 3).reads.map((x) => x && x.exitCode)).toEqual([0, null, null]);
    } finally {
      t('kill-server');
    }
  });
});

describe('reading the logs of a host in one exec', () => {
  it('returns new bytes (binary-safe, newlines and all) per file, restarts a rotated file, starts an adopted one at its end, and marks a missing one', () => {
    const a = join(dir, 'a.log');
    const b = join(dir, "it's b.log");
    writeFileSync(a, Buffer.from([0x68, 0x69, 0x0a, 0xe2, 0x82]));
    writeFileSync(b, 'old output\n');
    const [first, adopted, missing] = read([[a, 0], [b, -1], [join(dir, 'none.log'), 0]]);
    expect(first).toEqual({ size: 5, bytes: Buffer.from([0x68, 0x69, 0x0a, 0xe2, 0x82]) });
    expect(adopted).toEqual({ size: 11, bytes: Buffer.alloc(0) });
    expect(missing).toBeNull();
    appendFileSync(a, Buffer.from([0xac, 0x0a]));
    appendFileSync(b, 'new\n');
    const [more, fresh] = read([[a, 5], [b, 11]]);
    expect(more!.bytes).toEqual(Buffer.from([0xac, 0x0a]));
    expect(fresh!.bytes.toString()).toBe('new\n');
    writeFileSync(a, 'x\n'); // rotated: smaller than the offset
    expect(read([[a, 7]])[0]).toEqual({ size: 2, bytes: Buffer.from('x\n') });
    // More than a round's chunk: only its last 256 KiB.
    const big = Buffer.alloc(300 * 1024, 0x61);
    big[big.length - 1] = 0x0a;
    writeFileSync(b, big);
    expect(read([[b, 0]])[0]).toEqual({ size: big.length, bytes: big.subarray(big.length - 256 * 1024) });
  });
  it("tells how long each log has not changed, by the host's clock, with perl and without", () => {
    const quiet = join(dir, 'quiet.log');
    const busy = join(dir, 'busy.log');
    writeFileSync(quiet, 'said something\n');
    writeFileSync(busy, 'still talking\n');
    const past = Date.now() / 1000 - 120;
    utimesSync(quiet, past, past);
    const [q, b] = readWithAges([[quiet, -1], [busy, 0]]);
    expect(q!.ageMs).toBeGreaterThanOrEqual(119_000);
    expect(q!.ageMs).toBeLessThanOrEqual(122_000);
    expect(b!.ageMs).toBeLessThanOrEqual(2000);
    // A host whose tools cannot say (no perl, no stat): no age, and the round still reads the bytes.
    expect(parseLogChunks(Buffer.from('3 0\nok\n'), 1)).toEqual([{ size: 3, bytes: Buffer.from('ok\n') }]);
  });
  it('with perl: a FIFO or a folder at a log counts as missing (the read never blocks)', () => {
    if (spawnSync('perl', ['-v']).status !== 0) return;
    const fifo = join(dir, 'fifo.log');
    spawnSync('mkfifo', [fifo]);
    const a = join(dir, 'after.log');
    writeFileSync(a, 'ok\n');
    const r = spawnSync('perl', ['-e', READ_LOGS_PERL, '--', fifo, '0', dir, '0', a, '0'], { timeout: 10_000 });
    expect(r.status).toBe(0);
    expect(parseLogChunks(r.stdout, 3)).toEqual([null, null, { size: 3, bytes: Buffer.from('ok\n'), ageMs: expect.any(Number) }]);
  });
});

describe('remoteAgentEnv', () => {
  it("sends flotilla's and the profile's variables, never this machine's own environment", () => {
    const local = { PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', TOKEN: 'same' };
    const env = { PATH: '/usr/bin:/x', HOME: '/root', LANG: 'C.UTF-8', TOKEN: 'same', API_KEY: 'k', FLOTILLA_TASK: 't', 'BAD-NAME': 'x' };
    expect(remoteAgentEnv(env, local)).toEqual({ API_KEY: 'k', FLOTILLA_TASK: 't' });
  });
});

describe('the hook file on a host, set up by the launch exec (the host being this machine)', () => {
  const host = join(dir, 'host');
  const stateDir = join(host, 'state');
  let rt: RemoteTmuxRuntime | null = null;
  afterAll(async () => {
    await rt?.close({ killSessions: true });
    spawnSync('tmux', ['-S', join(stateDir, 'tmux'), 'kill-server'], { stdio: 'ignore' });
  });

  /** Per launch exec: whether the hook file's text went along (argument 13 of the spawn script). */
  const sent: boolean[] = [];
  function localHost(): RemoteHostPort {
    const local = createRunner();
    const runner: RemoteHostPort['runner'] = {
      run: (file, args, options) => {
        if (file === 'sh' && args[1]?.startsWith('command -v tmux')) sent.push(args[3 + 12]!.length > 0);
        return local.run(file, args, options);
      },
    };
    return {
      name: 'box',
      config: {} as RemoteHostPort['config'],
      runner,
      async readBytes(argv) {
        const r = spawnSync(argv[0]!, argv.slice(1));
        return { exitCode: r.status, stdout: r.stdout, stderr: r.stderr.toString() };
      },
      async layout() {
        return { worktreeRoot: join(host, 'wt'), stateDir, mirror: join(stateDir, 'mirror.git'), tmuxSocket: join(stateDir, 'tmux'), tmuxConf: join(stateDir, 'tmux.conf'), logDir: join(stateDir, 'logs') };
      },
      stream: (argv, options) => runCommand({ argv, ...options, collect: false }),
      ttyArgv: (argv) => [...argv],
      gitRemote: async () => ({ url: '', env: {} }),
      withMirrorLock: (fn) => fn(),
    };
  }

  it('copies the file when missing, a link or of another version (the text resent once when not sent), and empties the events file', async () => {
    mkdirSync(join(stateDir, 'logs'), { recursive: true, mode: 0o700 });
    mkdirSync(join(host, 'wt', 'job-a1'), { recursive: true });
    const files = hostHookFiles(stateDir, 'job', 1);
    rt = new RemoteTmuxRuntime(localHost());
    const start = (attempt: number) =>
      rt!.spawn({
        taskId: 'job', attempt, argv: ['sleep', '30'], cwd: join(host, 'wt', 'job-a1'), env: {}, cols: 80, rows: 24, logFile: join(dir, 'local', `job-a${attempt}.log`), logMaxBytes: 1e6, logKeep: 1, argvFile: join(dir, 'argv'),
        eventsFile: join(dir, 'local', 'events.jsonl'),
        hostHooks: { files, gateSpec: 'flotilla-gate 1\nend\n', trustClaude: null },
      });
    const { text, version } = hostHookScript();
    await start(1);
    expect(readFileSync(files.script, 'utf8')).toBe(text);
    expect(statSync(files.script).mode & 0o777).toBe(0o700);
    expect(readFileSync(files.gateSpec, 'utf8')).toBe('flotilla-gate 1\nend\n');
    expect(readFileSync(files.events, 'utf8')).toBe('');
    // Another version there (an older flotilla): this process sends only the version line, is told, sends the text.
    writeFileSync(files.script, text.replace(version, '# flotilla-hook-version 0-old'));
    writeFileSync(files.events, '{"event":"Stop"}\n');
    await start(1);
    expect(readFileSync(files.script, 'utf8')).toBe(text);
    expect(readFileSync(files.events, 'utf8')).toBe('');
    expect(sent).toEqual([true, false, true]);
    // A link planted at the file is replaced, its target untouched.
    const target = join(dir, 'target.sh');
    writeFileSync(target, 'echo mine\n');
    rmSync(files.script);
    symlinkSync(target, files.script);
    await start(1);
    expect(lstatSync(files.script).isSymbolicLink()).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('echo mine\n');
    // Events recorded there come back with the log copy, whole lines only.
    appendFileSync(files.events, '{"event":"Stop","attempt":1}\n{"event":"Noti');
    await rt.copyLogs();
    expect(readFileSync(join(dir, 'local', 'events.jsonl'), 'utf8')).toBe('{"event":"Stop","attempt":1}\n');
    appendFileSync(files.events, 'fication","attempt":1}\n');
    appendFileSync(files.blocks, 'b\n');
    await rt.copyLogs();
    expect(readFileSync(join(dir, 'local', 'events.jsonl'), 'utf8')).toBe('{"event":"Stop","attempt":1}\n{"event":"Notification","attempt":1}\n');
    expect(readFileSync(join(dir, 'local', 'host-a1.offset'), 'utf8')).toBe(`${statSync(files.events).size}\n`);
    // Another flotilla process (a `check` beside the view) copied the next event first: it is not copied twice.
    const local = join(dir, 'local', 'events.jsonl');
    const before = readFileSync(local, 'utf8');
    const other = '{"event":"Stop","attempt":1,"n":2}\n';
    appendFileSync(files.events, other);
    appendFileSync(local, other);
    writeFileSync(join(dir, 'local', 'host-a1.offset'), `${statSync(files.events).size}\n`);
    appendFileSync(files.events, '{"event":"Stop","attempt":1,"n":3}\n');
    await rt.copyLogs();
    expect(readFileSync(local, 'utf8')).toBe(`${before}${other}{"event":"Stop","attempt":1,"n":3}\n`);
    // The local log, kept open between rounds, is still moved to .1 once past its cap (1e6 here).
    const remoteLog = join(stateDir, 'logs', 'job-a1.log');
    const chunk = Buffer.alloc(200 * 1024, 0x61);
    for (let i = 0; i < 6; i++) {
      appendFileSync(remoteLog, chunk);
      await rt.copyLogs();
    }
    const kept = statSync(join(dir, 'local', 'job-a1.log')).size;
    expect(kept).toBeLessThanOrEqual(1e6);
    expect(kept + statSync(join(dir, 'local', 'job-a1.log.1')).size).toBe(statSync(remoteLog).size);
    expect(statSync(join(dir, 'local', 'job-a1.log')).mode & 0o777).toBe(0o600);
  });

  it('several processes installing the hook file at once (starts side by side on a fresh host) all succeed', async () => {
    const { text } = hostHookScript();
    const files = hostHookFiles(stateDir, 'job', 1);
    for (let round = 0; round < 3; round++) {
      // Fresh processes: each sends the file's text, as none has seen it there.
      const runtimes = Array.from({ length: 8 }, () => new RemoteTmuxRuntime(localHost()));
      try {
        rmSync(files.script, { force: true });
        const names = runtimes.map((_, i) => `side${i}`);
        for (const name of names) mkdirSync(join(host, 'wt', `${name}-a1`), { recursive: true });
        const started = await Promise.allSettled(
          runtimes.map((r, i) =>
            r.spawn({
              taskId: names[i]!, attempt: 1, argv: ['sleep', '30'], cwd: join(host, 'wt', `${names[i]}-a1`), env: {}, cols: 80, rows: 24, logFile: join(dir, 'side', `${names[i]}-a1.log`), logMaxBytes: 1e6, logKeep: 1, argvFile: join(dir, 'argv'),
              eventsFile: join(dir, 'side', `${names[i]}.jsonl`),
              hostHooks: { files: hostHookFiles(stateDir, names[i]!, 1), gateSpec: 'flotilla-gate 1\nend\n', trustClaude: null },
            }),
          ),
        );
        expect(started.map((x) => (x.status === 'rejected' ? String(x.reason) : 'ok'))).toEqual(names.map(() => 'ok'));
        expect(readFileSync(files.script, 'utf8')).toBe(text);
      } finally {
        for (const r of runtimes) await r.close({ killSessions: true });
      }
    }
  });

  it("a process that follows a session later knows from the host how long its output has been quiet (no copy here can say)", async () => {
    // The agent printed, then went quiet 90 s ago, while no process here copied its log.
    const remoteLog = join(stateDir, 'logs', 'job-a1.log');
    appendFileSync(remoteLog, 'done, waiting for you\n');
    const past = Date.now() / 1000 - 90;
    utimesSync(remoteLog, past, past);
    const other = new RemoteTmuxRuntime(localHost());
    try {
      expect(other.outputAgeMs('job')).toBeUndefined();
      const local = join(dir, 'later', 'job-a1.log');
      expect(await other.follow('job', { logFile: local, eventsFile: join(dir, 'later', 'events.jsonl'), attempt: 1 })).not.toBeNull();
      expect(other.outputAgeMs('job')).toBeGreaterThanOrEqual(89_000);
      expect(other.outputAgeMs('job')).toBeLessThan(95_000);
      // The tracker's check that the quiet is confirmed there: as the round read it, no guess added.
      expect(other.lastLogAgeMs('job')).toBeGreaterThanOrEqual(89_000);
      expect(other.lastLogAgeMs('job')).toBeLessThanOrEqual(other.outputAgeMs('job')!);
      // What it printed before is not copied (it starts at the end): the local log could not tell.
      expect(existsSync(local)).toBe(false);
      expect(other.outputAgeMs('nobody')).toBeUndefined();
      // A log with nothing in it (a new one, or emptied): the agent has printed nothing, so no age of
      // its output, while the quiet there is still confirmed from the file's age.
      writeFileSync(remoteLog, '');
      utimesSync(remoteLog, past, past);
      await other.copyLogs();
      expect(other.outputAgeMs('job')).toBeUndefined();
      expect(other.lastLogAgeMs('job')).toBeGreaterThanOrEqual(89_000);
    } finally {
      await other.close();
    }
  });
});

const sshd = findSshd();
const SSH = ['/usr/bin/ssh', '/usr/local/bin/ssh'].find((p) => existsSync(p));

describe.skipIf(!sshd || !SSH || !HAVE_TMUX)("a host's screen reads and log copy in one ssh exec (real sshd on 127.0.0.1)", () => {
  const root = join(dir, 'sshbox');
  const stateDir = join(dir, 'sshstate');
  const sshLog = join(dir, 'ssh.log');
  const savedPath = process.env.PATH;
  let server: TestSshd;
  let config: Record<string, unknown>;
  let socket = '';
  const rts: RemoteTmuxRuntime[] = [];

  beforeAll(async () => {
    server = await startSshd(sshd!);
    mkdirSync(root, { recursive: true });
    config = sshHostConfig(server, { worktreeRoot: root });
    // Every ssh the runtime starts goes through this wrapper, which logs its arguments on one line.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'ssh'), `#!/bin/sh\nprintf 'ssh %s\\n' "$(printf '%s ' "$@" | tr '\\n' ' ')" >> '${sshLog}'\nexec '${SSH}' "$@"\n`);
    chmodSync(join(bin, 'ssh'), 0o755);
    process.env.PATH = `${bin}:${savedPath}`;
  }, 30_000);

  afterAll(async () => {
    for (const rt of rts) await rt.close().catch(() => undefined);
    process.env.PATH = savedPath;
    if (socket) spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    if (config) closeMaster(stateDir, 'box', config as never);
    server?.stop();
  });

  const sshCalls = (): string[] => (existsSync(sshLog) ? readFileSync(sshLog, 'utf8').split('\n').filter(Boolean) : []);
  /** Per runtime, the argv of each command it sent to the host's channel (readBytes). */
  const sent: string[][] = [];
  const runtime = () => {
    const hosts = createHosts({ config: { hosts: { box: config as never } }, repoRoot: join(dir, 'sshrepo'), stateDir });
    const host = hosts.get('box');
    const port: RemoteHostPort = Object.create(host);
    port.readBytes = (argv, options) => {
      sent.push([...argv]);
      return host.readBytes(argv, options);
    };
    const rt = new RemoteTmuxRuntime(port);
    rts.push(rt);
    return rt;
  };

  it('answers the sessions\' screen reads in the round that copies their logs: bytes as tmux printed them, a killed session failing alone', { timeout: 120_000 }, async () => {
    const rt = runtime();
    const layout = await rt.host.layout();
    socket = layout.tmuxSocket;
    // A worktreeRoot in the config: the folders are made by the first start; these sessions are made here.
    mkdirSync(layout.logDir, { recursive: true, mode: 0o700 });
    mkdirSync(layout.stateDir, { recursive: true, mode: 0o700 });
    const t = (...args: string[]) => spawnSync('tmux', ['-u', '-S', socket, '-f', '/dev/null', ...args]);
    const screen = `printf '\\033[1;32mok\\033[0m na\\303\\257ve \\342\\226\\266 %s\\n' "$0" | tee -a "$0.log"; exec sleep 120`;
    const names = ['s1', 's2', 's3'];
    for (const name of names) expect(t('new-session', '-d', '-s', name, '-x', '50', '-y', '4', 'sh', '-c', screen, join(layout.logDir, `${name}-a1`)).status).toBe(0);
    for (const name of names) expect(await rt.follow(name, { logFile: join(dir, 'ssh-local', `${name}.log`), attempt: 1 })).not.toBeNull();
    const direct = (name: string) => t('capture-pane', '-p', '-e', '-t', `=${name}:`).stdout.toString('utf8');
    await waitFor('the screens', async () => names.every((n) => direct(n).includes('▶')));
    t('kill-session', '-t', '=s2');
    await rt.copyLogs(); // the host's channel is open (the rounds have run since the follows)
    const before = sshCalls().length;
    const sentBefore = sent.length;
    const reads = await Promise.all(names.map((n) => rt.capturePane(['-p', '-e', '-t', `=${n}:`])));
    expect(reads[0]).toMatchObject({ exitCode: 0, failed: false, stdout: direct('s1') });
    expect(reads[0]!.stdout).toMatch(/\x1b\[32mok\x1b\[0m.* naïve ▶ /); // SGR escapes kept, UTF-8 intact
    expect(reads[2]).toMatchObject({ exitCode: 0, failed: false, stdout: direct('s3') });
    expect(reads[1]).toMatchObject({ failed: true, stdout: '' });
    expect(reads[1]!.stderr).toMatch(/can't find/);
    // The three reads went in one command, and it was a log copy round (nothing ran on its own for
    // them), over the channel already open: no ssh process was started for them.
    const carrying = sent.slice(sentBefore).filter((argv) => argv.includes('=s1:'));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]).toContain('=s2:');
    expect(carrying[0]).toContain('=s3:');
    expect(carrying[0]!.some((a) => /^flotilla-read-[0-9a-f]{16}$/.test(a))).toBe(true);
    expect(sshCalls().slice(before)).toEqual([]);
    // The same rounds copy the logs (a followed session's from where its log ended).
    appendFileSync(join(layout.logDir, 's1-a1.log'), 'more output\n');
    await waitFor('the log copy', async () => existsSync(join(dir, 'ssh-local', 's1.log')) && readFileSync(join(dir, 'ssh-local', 's1.log'), 'utf8') === 'more output\n', 30_000);
    await rt.close(); // its rounds stop: the next case counts its own execs alone
  });

  it('a one-shot read (nothing followed) starts one round at once: one ssh process, the channel', { timeout: 60_000 }, async () => {
    const rt = runtime();
    const before = sshCalls().length;
    const r = await rt.capturePane(['-p', '-t', '=s3:']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('naïve ▶');
    expect(sshCalls().slice(before)).toHaveLength(1);
  });
});
