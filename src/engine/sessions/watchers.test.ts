import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { liveWatchers, markWatching, sessionStateLabel, watchersDir } from './watchers.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('watchers', () => {
  it('marks this process while it watches, ignores and clears markers of processes that ended', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-watchers-'));
    dirs.push(dir);
    expect(liveWatchers(dir)).toEqual([]);
    // A watcher that was killed left its marker behind.
    const gone = spawn('true');
    await new Promise((r) => gone.on('exit', r));
    mkdirSync(watchersDir(dir), { recursive: true });
    const stale = join(watchersDir(dir), `${gone.pid}.json`);
    writeFileSync(stale, JSON.stringify({ pid: gone.pid, kind: 'view', since: 'x' }));
    expect(liveWatchers(dir)).toEqual([]);
    const unmark = await markWatching(dir, 'watch');
    expect(liveWatchers(dir)).toEqual([process.pid]);
    expect(existsSync(stale)).toBe(false);
    expect(statSync(join(watchersDir(dir), `${process.pid}.json`)).mode & 0o777).toBe(0o600);
    unmark();
    expect(liveWatchers(dir)).toEqual([]);
  });

  it('says when nobody watches a running session, and how old its output is', () => {
    expect(sessionStateLabel('working', { watched: false, outputAgeSec: 3 })).toBe('working (unwatched, output 3s ago)');
    expect(sessionStateLabel('idle', { watched: false, outputAgeSec: 600 })).toBe('idle (unwatched, output 10m ago)');
    expect(sessionStateLabel('starting', { watched: false, outputAgeSec: null })).toBe('starting (unwatched, no output yet)');
    expect(sessionStateLabel('working', { watched: true, outputAgeSec: 3 })).toBe('working');
    expect(sessionStateLabel('exited', { watched: false, outputAgeSec: 3 })).toBe('exited');
  });
});
