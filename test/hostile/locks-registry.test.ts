import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** The pid of a process that has exited and been reaped. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());
}

const add = (id: string) => ['add', `Task ${id}`, '--prompt', 'do it', '--id', id];

describe('registry lock left behind', () => {
  it('an empty tasks.json.lock (an older flotilla on a full disk) is taken over at once', async () => {
    repo = hostileRepo({ profiles: { demo: { command: ['true'] } }, defaultAgent: 'demo' });
    writeFileSync(join(repo.root, '.flotilla', 'tasks.json.lock'), '');
    const t0 = Date.now();
    const r = await runFlotilla(repo.root, add('t1'), { timeoutMs: 14_000 });
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('t1');
    expect(Date.now() - t0).toBeLessThan(10_000); // was: 15 s, then "could not take the lock"
    expect(stateDiff(r.before, r.after)).toEqual({ added: ['tasks.json'], removed: ['tasks.json.lock'], changed: [] });
  });

  it("a dead owner's lock is taken over at once; a recycled pid (live, other start time) too", async () => {
    repo = hostileRepo({ profiles: { demo: { command: ['true'] } }, defaultAgent: 'demo' });
    const lock = join(repo.root, '.flotilla', 'tasks.json.lock');
    writeFileSync(lock, `${deadPid()} 4242 2026-01-01T00:00:00.000Z deadbeef\n`);
    let r = await runFlotilla(repo.root, add('t1'), { timeoutMs: 14_000 });
    expect([r.code, r.stdout.trim()]).toEqual([0, 't1']);
    expect(stateDiff(r.before, r.after).removed).toEqual(['tasks.json.lock']);
    writeFileSync(lock, `1 1 2026-01-01T00:00:00.000Z deadbeef\n`); // pid 1 runs, but did not start at tick 1
    r = await runFlotilla(repo.root, add('t2'), { timeoutMs: 14_000 });
    expect([r.code, r.stdout.trim()]).toEqual([0, 't2']);
    expect(stateDiff(r.before, r.after)).toEqual({ added: [], removed: ['tasks.json.lock'], changed: ['tasks.json'] });
  });

  const root = process.getuid?.() === 0 && process.platform === 'linux';
  it.runIf(root)('a full disk (tiny tmpfs as .flotilla): the real error, no empty lock; works once space is freed', async () => {
    repo = hostileRepo({ profiles: { demo: { command: ['true'] } }, defaultAgent: 'demo' });
    const state = join(repo.root, '.flotilla');
    const config = spawnSync('cat', [join(state, 'config.json')], { encoding: 'utf8' }).stdout;
    rmSync(state, { recursive: true });
    mkdirSync(state, { mode: 0o700 });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k,mode=0700', 'tmpfs', state]).status).toBe(0);
    try {
      writeFileSync(join(state, 'config.json'), config);
      spawnSync('dd', ['if=/dev/zero', `of=${join(state, 'filler')}`, 'bs=4k', 'count=64']);
      const r = await runFlotilla(repo.root, add('t1'), { timeoutMs: 14_000 });
      expect(crashed(r)).toBe(false);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/ENOSPC|no space left/i);
      expect(r.stderr).not.toMatch(/could not take the lock/);
      expect(readdirSync(state).sort()).toEqual(['config.json', 'filler']);
      rmSync(join(state, 'filler'));
      const again = await runFlotilla(repo.root, add('t1'), { timeoutMs: 14_000 });
      expect([again.code, again.stdout.trim()]).toEqual([0, 't1']);
    } finally {
      spawnSync('umount', [state]);
    }
  });
});
