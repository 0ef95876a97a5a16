import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { distScript } from '../core/index.js';
import { logPipeCommand } from './log-pipe.js';
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

const perl = findExecutable('perl', { cwd: '/' });
const writers = [
  ...(perl ? [{ name: 'perl', perl }] : []),
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
});
