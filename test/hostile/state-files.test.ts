import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

const deadPid = () => Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim());

describe('state folder and temp files', () => {
  it('a pre-existing 0755 .flotilla/ is tightened to 0700 by the next command (was: stayed 0755)', async () => {
    repo = hostileRepo({ profiles: { d: { command: ['true'] } }, defaultAgent: 'd' });
    chmodSync(join(repo.root, '.flotilla'), 0o755);
    const r = await runFlotilla(repo.root, ['status']);
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(0);
    expect(statSync(join(repo.root, '.flotilla')).mode & 0o777).toBe(0o700);
    expect(stateDiff(r.before, r.after)).toEqual({ added: [], removed: [], changed: [] });
  });

  it('temp files left by killed writers are removed by the next write; a live writer\'s is kept (was: one leaked per interrupted write)', async () => {
    repo = hostileRepo({ profiles: { d: { command: ['true'] } }, defaultAgent: 'd' });
    const state = join(repo.root, '.flotilla');
    const dead = deadPid();
    writeFileSync(join(state, `.tasks.json.${dead}.0badc0de.tmp`), '{"half":');
    writeFileSync(join(state, `tasks.json.lock.${dead}.0badc0de.tmp`), `${dead} 1 x y\n`);
    writeFileSync(join(state, `.tasks.json.${process.pid}.0badc0de.tmp`), '{"in progress":'); // a live writer
    const r = await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 't1']);
    expect([r.code, r.stdout.trim()]).toEqual([0, 't1']);
    expect(stateDiff(r.before, r.after)).toEqual({
      added: ['tasks.json'],
      removed: [`.tasks.json.${dead}.0badc0de.tmp`, `tasks.json.lock.${dead}.0badc0de.tmp`],
      changed: [],
    });
    expect(readdirSync(state).filter((n) => n.endsWith('.tmp'))).toEqual([`.tasks.json.${process.pid}.0badc0de.tmp`]);
  });
});
