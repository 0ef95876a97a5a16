import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../../src/engine/index.js';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

let repo: TempRepo | null = null;
let fleet: Fleet | null = null;
const savedEnv = { ...process.env };
afterEach(async () => {
  await fleet?.close();
  fleet = null;
  process.env = { ...savedEnv };
  repo?.cleanup();
  repo = null;
});

// Offline npm: the only dependency is a local tarball.
const NPM_ENV = { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' };

it('links a shared node_modules at start and makes it private after the agent edits the lockfile', async () => {
  // The agent reports whether node_modules is the shared link, then edits the lockfile and exits.
  const agent = 'if [ -L node_modules ]; then echo AGENT-SAW-LINK; fi; printf "\\n" >> package-lock.json; git commit -qam "touch the lockfile"; echo edited';
  repo = makeTempRepo({ runtime: 'pty', profiles: { editor: { command: ['bash', '-c', agent], quietMs: 200 } } });
  const cache = join(repo.dir, 'cache');
  const env = { ...NPM_ENV, npm_config_cache: join(repo.dir, 'npm-cache'), XDG_CACHE_HOME: cache };

  // A dependency as a local tarball, and a project locking it.
  const depDir = join(repo.dir, 'tiny-dep');
  mkdirSync(depDir);
  writeFileSync(join(depDir, 'package.json'), JSON.stringify({ name: 'tiny-dep', version: '1.0.0', main: 'index.js' }));
  writeFileSync(join(depDir, 'index.js'), 'module.exports = 42;\n');
  const npm = (cwd: string, ...args: string[]) => execFileSync('npm', args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  npm(depDir, 'pack', '--pack-destination', repo.root);
  repo.write('package.json', JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'tiny-dep': 'file:tiny-dep-1.0.0.tgz' } }, null, 2));
  npm(repo.root, 'install');
  rmSync(join(repo.root, 'node_modules'), { recursive: true, force: true });
  repo.write('.gitignore', 'node_modules\n');
  repo.commit('app with a locked dependency');

  expect((await runCli(repo.root, ['add', 'Deps task', '--id', 'deps', '--agent', 'editor', '--prompt', 'edit the lockfile'], env)).code).toBe(0);
  const start = await runCli(repo.root, ['start', 'deps'], env);
  expect(start.stderr).toBe('');
  expect(start.code).toBe(0);

  const statusOf = async () => {
    const r = await runCli(repo!.root, ['status', '--json'], env);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { tasks: Array<{ id: string; notes?: Array<{ message: string }>; attempts: Array<{ worktree: string; sharedDeps?: { mode: string; target?: string; note?: string } }> }> };
    return parsed.tasks.find((t) => t.id === 'deps')!;
  };

  // Linked at start: the agent saw the link, and the store holds the installed dependency.
  const log = readFileSync(join(repo.root, '.flotilla', 'logs', 'deps', '1.log'), 'utf8');
  expect(log).toContain('AGENT-SAW-LINK');
  const started = await statusOf();
  const attempt = started.attempts[0]!;
  expect(attempt.sharedDeps?.mode).toBe('shared');
  expect(attempt.sharedDeps?.target?.startsWith(realpathSync(cache))).toBe(true);
  expect(existsSync(join(attempt.sharedDeps!.target!, 'tiny-dep', 'index.js'))).toBe(true);
  expect(lstatSync(join(attempt.worktree, 'node_modules')).isSymbolicLink()).toBe(true);
  // The link is never committed: git does not see it.
  expect(execFileSync('git', ['status', '--porcelain', '--', 'node_modules'], { cwd: attempt.worktree, encoding: 'utf8' })).toBe('');

  // A one-shot pass notices the lockfile no longer matches the linked store.
  const check = await runCli(repo.root, ['check'], env);
  expect([0, 3]).toContain(check.code); // 3 when the task became ready: it needs the human
  expect(check.stdout).not.toMatch(/failed/);
  const after = await statusOf();
  expect(after.attempts[0]!.sharedDeps?.mode).toBe('private');
  expect(after.notes?.map((n) => n.message).join('\n')).toMatch(/package-lock\.json changed, so the shared install was replaced by a private one/);
  const nm = lstatSync(join(attempt.worktree, 'node_modules'));
  expect(nm.isSymbolicLink()).toBe(false);
  expect(existsSync(join(attempt.worktree, 'node_modules', 'tiny-dep', 'index.js'))).toBe(true);
  // The shared store itself is left as it was for the other worktrees.
  expect(existsSync(join(attempt.sharedDeps!.target!, 'tiny-dep', 'index.js'))).toBe(true);
}, 120_000);

it('while the loop runs, a watcher on the live worktree makes node_modules private as soon as the agent edits the lockfile', async () => {
  // The agent waits for a line, then edits the lockfile, commits and keeps running.
  const agent = 'read -r go; printf "\\n" >> package-lock.json; git commit -qam "touch the lockfile"; echo edited; sleep 300';
  repo = makeTempRepo({ runtime: 'pty', monitor: { intervalSec: 1 }, profiles: { editor: { command: ['bash', '-c', agent], quietMs: 200 } } });
  Object.assign(process.env, NPM_ENV, { npm_config_cache: join(repo.dir, 'npm-cache'), XDG_CACHE_HOME: join(repo.dir, 'cache') });
  repo.write('package.json', JSON.stringify({ name: 'app', version: '1.0.0', private: true }, null, 2));
  execFileSync('npm', ['install', '--package-lock-only'], { cwd: repo.root, stdio: 'ignore' });
  repo.write('.gitignore', 'node_modules\n');
  repo.commit('app with a lockfile');

  fleet = await createFleet({ cwd: repo.root, sessions: { runtime: 'pty' } });
  await fleet.dispatch({ type: 'task.add', input: { title: 'live', id: 'live', agent: 'editor', prompt: 'edit the lockfile' } });
  await fleet.dispatch({ type: 'task.start', id: 'live' });
  const attemptOf = async () => (await fleet!.registry.read()).tasks.find((t) => t.id === 'live')!.attempts[0] as { worktree: string; sharedDeps?: { mode: string } };
  const { worktree, sharedDeps } = await attemptOf();
  expect(sharedDeps?.mode).toBe('shared');
  expect(lstatSync(join(worktree, 'node_modules')).isSymbolicLink()).toBe(true);

  // One pass of the running loop puts the watcher in place; then the agent edits the lockfile.
  const passed = new Promise<void>((resolve) => {
    const off = fleet!.events.on((e) => {
      if (e.type === 'monitor.pass') off(), resolve();
    });
  });
  fleet.monitor.start();
  await passed;
  await fleet.dispatch({ type: 'task.send', id: 'live', text: 'go' });

  const until = Date.now() + 30_000;
  while ((await attemptOf()).sharedDeps?.mode !== 'private') {
    if (Date.now() > until) throw new Error(`node_modules not made private: ${JSON.stringify((await attemptOf()).sharedDeps)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(existsSync(join(worktree, 'node_modules')) && lstatSync(join(worktree, 'node_modules')).isSymbolicLink()).toBe(false);
  const notes = ((await fleet.registry.read()).tasks[0] as { notes?: Array<{ message: string }> }).notes ?? [];
  expect(notes.map((n) => n.message).join('\n')).toMatch(/package-lock\.json changed/);
  await fleet.monitor.stop();
}, 60_000);
