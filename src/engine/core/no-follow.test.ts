import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UnsafeStatePathError, ensureRealDir, ensureRealDirSync, openNoFollow, openNoFollowSync } from './no-follow.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

/** A repo-like folder with `.flotilla/` and an outside folder holding a precious file. */
function setup(): { state: string; outside: string; precious: string } {
  dir = mkdtempSync(join(tmpdir(), 'flt-nofollow-'));
  const state = join(dir, 'repo', '.flotilla');
  const outside = join(dir, 'outside');
  mkdirSync(state, { recursive: true, mode: 0o700 });
  mkdirSync(outside, { mode: 0o755 });
  const precious = join(outside, 'precious');
  writeFileSync(precious, 'keep\n', { mode: 0o644 });
  return { state, outside, precious };
}

describe('no-follow state files', () => {
  it('makes every missing folder from .flotilla down 0700', async () => {
    const { state } = setup();
    await ensureRealDir(join(state, 'runs', 't1', '1'));
    ensureRealDirSync(join(state, 'logs', 't1'));
    for (const p of ['runs', 'runs/t1', 'runs/t1/1', 'logs', 'logs/t1']) expect(statSync(join(state, p)).mode & 0o777).toBe(0o700);
  });

  it('refuses a symlinked folder anywhere from .flotilla down, naming it, and creates nothing through it', async () => {
    const { state, outside } = setup();
    symlinkSync(outside, join(state, 'prompts'));
    const target = join(state, 'prompts', 't1');
    await expect(ensureRealDir(target)).rejects.toThrow(new UnsafeStatePathError(join(state, 'prompts'), 'is a symlink'));
    expect(() => ensureRealDirSync(target)).toThrow(`${join(state, 'prompts')}: is a symlink`);
    await expect(openNoFollow(join(target, '1.md'), 'w')).rejects.toBeInstanceOf(UnsafeStatePathError);
    expect(existsSync(join(outside, 't1'))).toBe(false);
  });

  it('refuses .flotilla itself as a symlink (a cloned repository can commit one)', async () => {
    const { outside } = setup();
    const repo = join(dir, 'evil');
    mkdirSync(repo);
    symlinkSync(outside, join(repo, '.flotilla'));
    await expect(ensureRealDir(join(repo, '.flotilla', 'hooks', 't1'))).rejects.toThrow(`${join(repo, '.flotilla')}: is a symlink`);
  });

  it('opens a symlinked file in no mode, so the target is neither written, truncated nor chmodded', async () => {
    const { state, precious } = setup();
    mkdirSync(join(state, 'hooks', 't1'), { recursive: true });
    const link = join(state, 'hooks', 't1', 'events.jsonl');
    symlinkSync(precious, link);
    for (const how of ['a', 'w', 'r'] as const) {
      await expect(openNoFollow(link, how)).rejects.toThrow(`${link}: is a symlink`);
      expect(() => openNoFollowSync(link, how)).toThrow(`${link}: is a symlink`);
    }
    expect([readFileSync(precious, 'utf8'), statSync(precious).mode & 0o777]).toEqual(['keep\n', 0o644]);
  });

  it('refuses a FIFO at once instead of hanging, for reading and writing', async () => {
    const { state } = setup();
    const fifo = join(state, 'events.jsonl');
    execFileSync('mkfifo', [fifo]);
    await expect(openNoFollow(fifo, 'r')).rejects.toThrow(`${fifo}: is not a regular file`);
    expect(() => openNoFollowSync(fifo, 'a')).toThrow(`${fifo}: is not a regular file`);
  });

  it('appends to and replaces regular files (0600 when created)', async () => {
    const { state } = setup();
    const file = join(state, 'logs', 't1', '1.log');
    const fd = openNoFollowSync(file, 'a');
    writeSync(fd, 'one\n');
    closeSync(fd);
    const h = await openNoFollow(file, 'a');
    await h.write('two\n');
    await h.close();
    expect([readFileSync(file, 'utf8'), statSync(file).mode & 0o777]).toEqual(['one\ntwo\n', 0o600]);
    const w = await openNoFollow(file, 'w');
    await w.write('new\n');
    await w.close();
    expect(readFileSync(file, 'utf8')).toBe('new\n');
  });

  it('outside a .flotilla folder only the folder itself is checked (a repository may live under a linked path)', async () => {
    const { outside } = setup();
    const linkedHome = join(dir, 'home');
    symlinkSync(outside, linkedHome);
    await ensureRealDir(join(linkedHome, 'sub'));
    expect(statSync(join(outside, 'sub')).isDirectory()).toBe(true);
    await expect(ensureRealDir(linkedHome)).rejects.toThrow(`${linkedHome}: is a symlink`);
  });
});
