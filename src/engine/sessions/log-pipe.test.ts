import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, writeSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { distScript } from '../core/index.js';
import { PERL_LOG_WRITER, logHubPossible, logHubSync, logPipeCommand } from './log-pipe.js';
import { hubPids } from '../../test-support/log-hub.js';
import { findExecutable } from './which.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'flotilla-log-pipe-'));
  dirs.push(d);
  return d;
}

const perl = findExecutable('perl', { cwd: '/' }) ?? undefined;
const writers = [
  ...(perl ? [{ name: 'perl', perl: perl as string | null }] : []),
  ...(existsSync(distScript('engine', 'sessions', 'log-writer.js')) ? [{ name: 'node', perl: null }] : []),
];

/** Runs the pipe-pane command as tmux does (sh -c), feeding it chunks; resolves when it exits. */
function runWriter(command: string, chunks: Buffer[], options: { keepOpen?: boolean } = {}) {
  const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'ignore', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  void (async () => {
    for (const c of chunks) {
      child.stdin.write(c);
      await new Promise((r) => setTimeout(r, 5));
    }
    if (!options.keepOpen) child.stdin.end();
  })();
  return { child, exited };
}

describe.each(writers)('the $name log writer', ({ perl: perlPath }) => {
  it('copies every byte, rotating at maxBytes and keeping `keep` old files, all 0600', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 't'), { mode: 0o700 });
    const file = join(dir, 't', '1.log');
    const chunks = Array.from({ length: 40 }, (_, i) => Buffer.from(`${String(i % 10).repeat(99)}\n`));
    const { exited } = runWriter(logPipeCommand({ logFile: file, logMaxBytes: 1024, logKeep: 2, pidFile: join(dir, 'none.pid') }, { perl: perlPath }), chunks);
    expect(await exited).toBe(0);
    const all = Buffer.concat(chunks);
    const current = readFileSync(file);
    const older = [readFileSync(`${file}.2`), readFileSync(`${file}.1`)];
    // 4000 bytes at 1024 a file: three full files, the last 928 bytes in the current one.
    expect(current.length).toBe(all.length % 1024);
    expect(older.map((b) => b.length)).toEqual([1024, 1024]);
    expect(Buffer.concat([...older, current]).equals(all.subarray(all.length - 2048 - current.length))).toBe(true);
    expect(existsSync(`${file}.3`)).toBe(false);
    for (const f of [file, `${file}.1`, `${file}.2`]) expect(statSync(f).mode & 0o777).toBe(0o600);
  });

  it('appends to an existing log and counts it towards the cap', async () => {
    const dir = tempDir();
    const file = join(dir, '1.log');
    writeFileSync(file, 'x'.repeat(1000), { mode: 0o600 });
    const { exited } = runWriter(logPipeCommand({ logFile: file, logMaxBytes: 1024, logKeep: 1, pidFile: join(dir, 'none.pid') }, { perl: perlPath }), [Buffer.from('y'.repeat(50))]);
    expect(await exited).toBe(0);
    expect(readFileSync(`${file}.1`, 'utf8')).toBe('x'.repeat(1000) + 'y'.repeat(24));
    expect(readFileSync(file, 'utf8')).toBe('y'.repeat(26));
  });

  it('ends, keeping all output, once the agent named in the pid file is gone while the pipe stays open', async () => {
    const dir = tempDir();
    const file = join(dir, '1.log');
    const agent = spawn('sleep', ['30']);
    const pidFile = join(dir, 'agent.pid');
    writeFileSync(pidFile, `${agent.pid}\n`);
    const { child, exited } = runWriter(logPipeCommand({ logFile: file, logMaxBytes: 1 << 20, logKeep: 1, pidFile }, { perl: perlPath }), [Buffer.from('last words\n')], { keepOpen: true });
    try {
      await new Promise((r) => setTimeout(r, 300));
      agent.kill('SIGKILL');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 6000))]);
      expect(code).toBe(0);
      expect(readFileSync(file, 'utf8')).toBe('last words\n');
    } finally {
      agent.kill('SIGKILL');
      child.kill('SIGKILL');
    }
  });
});

describe('logPipeCommand', () => {
  it('uses perl when there is one and node otherwise, with every word quoted for the shell', () => {
    const spec = { logFile: "/tmp/it's here/1.log", logMaxBytes: 2048, logKeep: 3, pidFile: '/tmp/p.pid' };
    const withPerl = logPipeCommand(spec, { perl: '/usr/bin/perl' });
    expect(withPerl.startsWith('exec /usr/bin/perl -e ')).toBe(true);
    expect(withPerl).toContain(`'/tmp/it'\\''s here/1.log' 2048 3 /tmp/p.pid`);
    const withNode = logPipeCommand(spec, { perl: null });
    expect(withNode).toContain('log-writer.js');
    expect(withNode.startsWith(`exec ${process.execPath}`)).toBe(true);
  });

  it('holds nothing tmux would expand in a pipe-pane command (formats, strftime)', () => {
    expect(PERL_LOG_WRITER).not.toMatch(/#|%[A-Za-z%{*$]/);
  });
});

async function waitFor<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Runs the pipe-pane command with a FIFO for its input, as tmux does with its pipe: the input stays
 * open (written from here) when the command's own process ends, as tmux's end of the pipe does.
 */
function runPiped(command: string, dir: string, name: string) {
  const fifo = join(dir, `${name}.fifo`);
  execFileSync('mkfifo', ['-m', '600', fifo]);
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writeFd = openSync(fifo, constants.O_WRONLY);
  const child = spawn('sh', ['-c', command], { stdio: [readFd, 'ignore', 'inherit'] });
  closeSync(readFd);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { exited, write: (b: Buffer) => writeSync(writeFd, b), end: () => closeSync(writeFd) };
}

describe.runIf(perl && logHubPossible())('the shared log writer (hub)', () => {
  it('takes each pipe from a writer that exits at once, and writes every byte of two interleaved pipes, rotating each log', async () => {
    const dir = tempDir();
    const hubSocket = join(dir, 'log-hub.sock');
    // Every byte value, UTF-8, NUL, \r\n, escapes; a different mix per pipe.
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const chunksA = Array.from({ length: 30 }, (_, i) => Buffer.concat([bytes, Buffer.from(`a${i} é ✓ \r\n\x1b[1m`)]));
    const chunksB = Array.from({ length: 30 }, (_, i) => Buffer.from(`b${i}\0\n`));
    const spec = (name: string, max: number) => ({ logFile: join(dir, `${name}.log`), logMaxBytes: max, logKeep: 20, pidFile: join(dir, 'none.pid'), hubSocket });
    const a = runPiped(logPipeCommand(spec('a', 4096), { perl }), dir, 'a');
    const b = runPiped(logPipeCommand(spec('b', 1 << 20), { perl }), dir, 'b');
    try {
      // The pipe's own process hands the pipe over and ends: no process per agent.
      a.write(chunksA[0]!);
      expect(await a.exited).toBe(0);
      expect(await b.exited).toBe(0);
      for (let i = 1; i < 30; i++) {
        a.write(chunksA[i]!);
        b.write(chunksB[i - 1]!);
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 20));
      }
      b.write(chunksB[29]!);
      const wantA = Buffer.concat(chunksA);
      const read = (name: string) => {
        const files = [];
        for (let i = 20; i >= 1; i--) if (existsSync(join(dir, `${name}.log.${i}`))) files.push(readFileSync(join(dir, `${name}.log.${i}`)));
        return Buffer.concat([...files, existsSync(join(dir, `${name}.log`)) ? readFileSync(join(dir, `${name}.log`)) : Buffer.alloc(0)]);
      };
      await waitFor('both logs complete', () => read('a').length === wantA.length && read('b').length === Buffer.concat(chunksB).length);
      expect(read('a').equals(wantA)).toBe(true);
      expect(read('b').equals(Buffer.concat(chunksB))).toBe(true);
      expect(statSync(join(dir, 'a.log.1')).size).toBe(4096);
      for (const f of [join(dir, 'a.log'), join(dir, 'a.log.1'), join(dir, 'b.log')]) expect(statSync(f).mode & 0o777).toBe(0o600);
      expect(hubPids(hubSocket)).toHaveLength(1);
    } finally {
      a.end();
      b.end();
    }
    // Its last pipe closed, the hub ends (3 s later). (A socket file left behind, as a killed hub
    // leaves it, is taken over by the next pipe: see log-hub.test.ts.)
    await waitFor('the hub to end', () => hubPids(hubSocket).length === 0, 45_000);
  });

  it('answers a sync once it has written all that its pipes hold (what a seen exit waits for)', async () => {
    const dir = tempDir();
    const hubSocket = join(dir, 'log-hub.sock');
    expect(await logHubSync(hubSocket, 500)).toBe(false); // no hub: told at once, nothing waits
    const spec = { logFile: join(dir, 'x.log'), logMaxBytes: 1 << 20, logKeep: 2, pidFile: join(dir, 'none.pid'), hubSocket };
    const x = runPiped(logPipeCommand(spec, { perl }), dir, 'x');
    try {
      x.write(Buffer.from('first\n'));
      expect(await x.exited).toBe(0);
      await waitFor('the first line', () => existsSync(spec.logFile) && readFileSync(spec.logFile, 'utf8') === 'first\n');
      // The hub is held still while the last output goes into the pipe: only a sync can have it written when asked.
      const [hub] = hubPids(hubSocket);
      process.kill(hub!, 'SIGSTOP');
      const last = Buffer.alloc(40_000, 0x6c);
      try {
        x.write(last);
      } finally {
        process.kill(hub!, 'SIGCONT');
      }
      expect(await logHubSync(hubSocket)).toBe(true);
      expect(readFileSync(spec.logFile).equals(Buffer.concat([Buffer.from('first\n'), last]))).toBe(true);
    } finally {
      x.end();
    }
    await waitFor('the hub to end', () => hubPids(hubSocket).length === 0, 45_000);
  });

  it('never writes through a symlink planted at a log', async () => {
    const dir = tempDir();
    const hubSocket = join(dir, 'log-hub.sock');
    const target = join(dir, 'target');
    writeFileSync(target, 'untouched');
    symlinkSync(target, join(dir, 'evil.log'));
    const w = runPiped(logPipeCommand({ logFile: join(dir, 'evil.log'), logMaxBytes: 4096, logKeep: 1, pidFile: '', hubSocket }, { perl }), dir, 'evil');
    const ok = runPiped(logPipeCommand({ logFile: join(dir, 'ok.log'), logMaxBytes: 4096, logKeep: 1, pidFile: '', hubSocket }, { perl }), dir, 'ok');
    expect(await w.exited).toBe(0);
    expect(await ok.exited).toBe(0);
    w.write(Buffer.from('secret\n'));
    ok.write(Buffer.from('fine\n'));
    await waitFor('the other log', () => existsSync(join(dir, 'ok.log')) && readFileSync(join(dir, 'ok.log'), 'utf8') === 'fine\n');
    expect(readFileSync(target, 'utf8')).toBe('untouched');
    w.end();
    ok.end();
  });
});
