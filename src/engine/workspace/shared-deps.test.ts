import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionQueue } from '../builds/index.js';
import type { Admission } from '../core/index.js';
import { createFleet, type Fleet } from '../fleet/index.js';
import { git, makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { watchDependencyChanges } from './dependency-watcher.js';
import { detectLockfile, linkSharedDependencies } from './shared-deps.js';

let repo: TempRepo;
let fleet: Fleet;
let shared: string;
const worktrees: string[] = [];
const installs: string[] = [];
let admission: Admission;
const savedOffline = process.env.npm_config_offline;

function npm(cwd: string, ...args: string[]): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false' } });
}

beforeAll(async () => {
  process.env.npm_config_offline = 'true';
  repo = makeTempRepo({ limits: { staggerMs: 0, defaultPeakMB: { install: 64 } }, shared: { folders: [{ path: '.cache/tool', keyFiles: ['tool.lock'] }] } });
  shared = join(repo.dir, 'shared');
  // A tiny dependency as a local tarball, so npm ci works without a network.
  const tiny = join(repo.dir, 'tiny');
  mkdirSync(tiny);
  writeFileSync(join(tiny, 'package.json'), JSON.stringify({ name: 'tiny', version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(tiny, 'index.js'), 'module.exports = 42;\n');
  mkdirSync(join(repo.root, 'vendor'));
  npm(tiny, 'pack', '--pack-destination', join(repo.root, 'vendor'));
  repo.write('package.json', JSON.stringify({ name: 'app', version: '1.0.0', dependencies: { tiny: 'file:vendor/tiny-1.0.0.tgz' } }, null, 2));
  repo.write('tool.lock', 'v1\n');
  npm(repo.root, 'install', '--package-lock-only', '--no-audit', '--no-fund');
  repo.commit('app with a lockfile');
  for (const name of ['a', 'b']) {
    const wt = join(repo.worktreeRoot, name);
    git(repo.root, 'worktree', 'add', '-q', '-b', `wt-${name}`, wt);
    worktrees.push(wt);
  }
  fleet = await createFleet({ cwd: repo.root });
  const queue = fleet.admission as AdmissionQueue;
  admission = {
    acquire: (job, signal) => (installs.push(job.label), queue.acquire(job, signal)),
    snapshot: () => queue.snapshot(),
  };
  await fleet.dispatch({ type: 'task.add', input: { id: 'dep-task', title: 'deps', prompt: 'x' } });
  await fleet.registry.updateTask('dep-task', (task) => {
    task.attempts.push({
      n: 1, branch: 'flotilla/dep-task-a1', worktree: worktrees[0]!, startPoint: 'main', state: 'running', createdAt: 'now',
      startedAt: null, endedAt: null, session: null, failure: null, enrichment: null, ciRounds: 0,
    });
  });
}, 120_000);

afterAll(async () => {
  await fleet?.close();
  repo?.cleanup();
  if (savedOffline === undefined) delete process.env.npm_config_offline;
  else process.env.npm_config_offline = savedOffline;
});

describe('shared dependencies', () => {
  it('hashes lockfiles per package manager', async () => {
    const a = await detectLockfile(worktrees[0]!);
    expect(a).toMatchObject({ manager: 'npm', lockfile: 'package-lock.json' });
    expect(a!.hash).toMatch(/^[0-9a-f]{16}$/);
    expect(await detectLockfile(repo.dir)).toBeNull();
  });

  it('links node_modules of worktrees with equal lockfiles to one shared install, installed once', async () => {
    const ctx = { config: fleet.config, admission, registry: fleet.registry, sharedRoot: shared };
    const a = await linkSharedDependencies(ctx, worktrees[0]!, 'dep-task');
    const b = await linkSharedDependencies(ctx, worktrees[1]!);
    expect(a.note).toBeUndefined();
    expect(a.mode).toBe('shared');
    expect(b).toMatchObject({ mode: 'shared', target: a.target });
    expect(a.target).toBe(join(shared, `node_modules-${a.hash}`));
    for (const wt of worktrees) {
      expect(lstatSync(join(wt, 'node_modules')).isSymbolicLink()).toBe(true);
      expect(readlinkSync(join(wt, 'node_modules'))).toBe(a.target);
      expect(readFileSync(join(wt, 'node_modules', 'tiny', 'index.js'), 'utf8')).toContain('42');
      // The link is never something an agent commits.
      expect(git(wt, 'status', '--porcelain')).toBe('');
    }
    expect(installs.filter((l) => l.includes('shared'))).toHaveLength(1);
    // config.shared.folders: linked by key-file hash.
    expect(a.folders).toHaveLength(1);
    expect(readlinkSync(join(worktrees[0]!, '.cache', 'tool'))).toBe(readlinkSync(join(worktrees[1]!, '.cache', 'tool')));
    const task = (await fleet.registry.read()).tasks.find((t) => t.id === 'dep-task')!;
    expect(task.attempts[0]!.sharedDeps).toMatchObject({ mode: 'shared', hash: a.hash });
  }, 120_000);

  it('replaces the link by a private install after a lockfile edit and notes it on the task', async () => {
    const ctx = { config: fleet.config, admission, registry: fleet.registry, sharedRoot: shared };
    const records: unknown[] = [];
    const w = watchDependencyChanges(ctx, worktrees[0]!, 'dep-task', { debounceMs: 50, onPrivate: (r) => records.push(r) });
    await w.ready;
    const lockPath = join(worktrees[0]!, 'package-lock.json');
    const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
    lock.name = 'app-edited';
    lock.packages[''].name = 'app-edited';
    writeFileSync(lockPath, JSON.stringify(lock, null, 2));
    const end = Date.now() + 60_000;
    while (records.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    await w.close();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ mode: 'private' });
    const nm = join(worktrees[0]!, 'node_modules');
    expect(lstatSync(nm).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(nm, 'tiny', 'index.js'), 'utf8')).toContain('42');
    // The other worktree and the shared install are untouched.
    expect(lstatSync(join(worktrees[1]!, 'node_modules')).isSymbolicLink()).toBe(true);
    expect(existsSync(join(readlinkSync(join(worktrees[1]!, 'node_modules')), 'tiny', 'index.js'))).toBe(true);
    const task = (await fleet.registry.read()).tasks.find((t) => t.id === 'dep-task')!;
    expect(task.attempts[0]!.sharedDeps).toMatchObject({ mode: 'private', lockfile: 'package-lock.json' });
    expect(task.notes).toEqual([
      expect.objectContaining({ message: 'node_modules: package-lock.json changed, so the shared install was replaced by a private one' }),
    ]);
    expect(installs.some((l) => l.includes('private'))).toBe(true);
  }, 120_000);
});
