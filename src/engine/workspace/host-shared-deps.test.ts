import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHostBuildQueue } from '../builds/index.js';
import { configSchema, type FlotillaConfig, type HostsPort, type RemoteHostPort, type SharedDepsRecord } from '../core/index.js';
import { createRunner } from '../exec/index.js';
import { GitClient } from '../git/index.js';
import { closeMaster, createHosts } from '../hosts/index.js';
import { findSshd, startSshd, type TestSshd } from '../../test-support/sshd.js';
import { linkSharedDependenciesOnHost } from './host-shared-deps.js';
import { prepareAttempt, type PrepareAttemptContext } from './prepare-attempt.js';

const sshd = findSshd();
if (!sshd) console.log('SKIP: shared node_modules on a host against a real sshd: sshd not found (install openssh-server)');

// npm ci runs the root package's postinstall: one line per install in node_modules/.installs.
const POSTINSTALL = "node -e \"require('fs').mkdirSync('node_modules',{recursive:true});require('fs').appendFileSync('node_modules/.installs','ci\\n')\"";
const PKG = JSON.stringify({ name: 'hostdeps', version: '1.0.0', scripts: { postinstall: POSTINSTALL } }, null, 2) + '\n';
const LOCK = JSON.stringify({ name: 'hostdeps', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'hostdeps', version: '1.0.0' } } }, null, 2) + '\n';

describe.skipIf(!sshd)('shared node_modules on a host (real sshd on 127.0.0.1)', () => {
  let server: TestSshd;
  let dir: string;
  let repo: string;
  let state: string;
  let host: RemoteHostPort;
  let hosts: HostsPort;
  let config: FlotillaConfig;
  const records: SharedDepsRecord[] = [];
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8' }).trim();

  beforeAll(async () => {
    server = await startSshd(sshd!);
    dir = mkdtempSync(join(tmpdir(), 'flt-hostdeps-'));
    repo = join(dir, 'repo');
    state = join(dir, 'state');
    mkdirSync(repo);
    mkdirSync(state, { mode: 0o700 });
    mkdirSync(join(dir, 'box'));
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'package.json'), PKG);
    writeFileSync(join(repo, 'package-lock.json'), LOCK);
    writeFileSync(join(repo, 'tool.lock'), 'tool v1\n');
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@flotilla.invalid', 'commit', '-q', '-m', 'init');
    config = configSchema.parse({
      shared: { nodeModules: true, folders: [{ path: '.cache/tool', keyFiles: ['tool.lock'] }, { path: 'other', keyFiles: ['absent.lock'] }] },
      hosts: { box: { ssh: `${server.user}@127.0.0.1`, port: server.port, identityFile: server.userKey, knownHostsFile: server.knownHosts, worktreeRoot: join(dir, 'box'), memReserveMB: 0 } },
    });
    hosts = createHosts({ config, repoRoot: repo, stateDir: state });
    host = hosts.get('box');
  }, 30_000);
  afterAll(() => {
    closeMaster(state, 'box', config.hosts['box']!);
    server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const ctx = (): PrepareAttemptContext => {
    const runner = createRunner();
    const admission = createHostBuildQueue({ host, stateDir: state, configFile: join(repo, '.flotilla', 'config.json'), config, pollMs: 100 });
    return {
      git: new GitClient(runner),
      runner,
      repoRoot: repo,
      bootstrap: config.bootstrap,
      env: config.env,
      shareDependenciesOnHost: async (h, worktree, startSha, taskId) => {
        const r = await linkSharedDependenciesOnHost({ config, repoRoot: repo, runner, host: h, admission, worktree, startSha, taskId });
        if (r) records.push(r);
        return r;
      },
    };
  };

  it('installs the store on the host once (npm ci, through the host build slots) and links the next attempt to it without installing', { timeout: 240_000 }, async () => {
    const first = await prepareAttempt(ctx(), { taskId: 'deps', n: 1, startPoint: 'main', worktreeRoot: join(dir, 'unused'), host }, () => 'ok');
    const layout = await host.layout();
    // The branch made on the host is made here too, at the start commit: a pass has nothing to fetch yet.
    expect(first.worktree.branchCreated).toBe(true);
    expect(git('rev-parse', 'refs/heads/flotilla/deps-a1')).toBe(git('rev-parse', 'main'));
    expect(records).toHaveLength(1);
    const rec = records[0]!;
    expect(rec).toMatchObject({ mode: 'shared', manager: 'npm', lockfile: 'package-lock.json' });
    expect(rec.note).toBeUndefined();
    expect(rec.target).toBe(`${layout.stateDir}/shared/node_modules-${rec.hash}`);
    // The store is on the host (same machine here), 0700 folder; the worktree's node_modules links it.
    expect(statSync(rec.target!).isDirectory()).toBe(true);
    expect(statSync(join(layout.stateDir, 'shared')).mode & 0o777).toBe(0o700);
    const link1 = join(first.worktree.worktree, 'node_modules');
    expect(lstatSync(link1).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link1)).toBe(rec.target);
    // npm ci ran in the worktree there, once, and what it made became the store.
    expect(readFileSync(join(rec.target!, '.installs'), 'utf8')).toBe('ci\n');
    // Never committed: the link is excluded in the mirror's info/exclude.
    const exclude = execFileSync('git', ['rev-parse', '--git-path', 'info/exclude'], { cwd: first.worktree.worktree, encoding: 'utf8' }).trim();
    expect(readFileSync(exclude.startsWith('/') ? exclude : join(first.worktree.worktree, exclude), 'utf8').split('\n')).toContain('/node_modules');
    // shared.folders: the one whose key file the commit has is linked to its store on the host.
    const keyHash = createHash('sha256').update('tool.lock\0tool v1\n').digest('hex').slice(0, 16);
    const toolStore = join(layout.stateDir, 'shared', `.cache_tool-${keyHash}`);
    expect(rec.folders).toEqual([{ path: '.cache/tool', target: toolStore }]);
    expect(readlinkSync(join(first.worktree.worktree, '.cache', 'tool'))).toBe(toolStore);
    expect(statSync(toolStore).mode & 0o777).toBe(0o700);
    expect(existsSync(join(first.worktree.worktree, 'other'))).toBe(false);
    writeFileSync(join(first.worktree.worktree, '.cache', 'tool', 'cached'), 'from a1');
    expect(execFileSync('git', ['status', '--porcelain'], { cwd: first.worktree.worktree, encoding: 'utf8' })).toBe('');

    // A marker in the store: an install for the second attempt would replace or bypass it.
    writeFileSync(join(rec.target!, 'marker'), 'first');
    const inode = statSync(rec.target!).ino;
    const second = await prepareAttempt(ctx(), { taskId: 'deps', n: 2, startPoint: 'main', worktreeRoot: join(dir, 'unused'), host }, () => 'ok');
    expect(records).toHaveLength(2);
    expect(records[1]).toMatchObject({ mode: 'shared', hash: rec.hash, target: rec.target });
    expect(readFileSync(join(second.worktree.worktree, 'node_modules', 'marker'), 'utf8')).toBe('first');
    expect(statSync(rec.target!).ino).toBe(inode);
    expect(readFileSync(join(rec.target!, '.installs'), 'utf8')).toBe('ci\n');
    expect(records[1]!.folders).toEqual([{ path: '.cache/tool', target: toolStore }]);
    expect(readFileSync(join(second.worktree.worktree, '.cache', 'tool', 'cached'), 'utf8')).toBe('from a1');
    // No install ran in the second worktree: nothing is left of a temp store next to the real one.
    expect(execFileSync('ls', ['-a', join(layout.stateDir, 'shared')], { encoding: 'utf8' }).split('\n').filter((n) => n.startsWith('node_modules-'))).toEqual([`node_modules-${rec.hash}`]);
  });

  it('a failed install is a note on the attempt, not a failed start', { timeout: 240_000 }, async () => {
    // A lockfile npm cannot read: another hash, and npm ci refuses before any download.
    writeFileSync(join(repo, 'package-lock.json'), '{ not json');
    git('-c', 'user.name=t', '-c', 'user.email=t@flotilla.invalid', 'commit', '-q', '-am', 'out of sync');
    const before = records.length;
    const third = await prepareAttempt(ctx(), { taskId: 'deps', n: 3, startPoint: 'main', worktreeRoot: join(dir, 'unused'), host }, () => 'ok');
    expect(third.recorded).toBe('ok');
    const rec = records[before]!;
    expect(rec.mode).toBe('none');
    expect(rec.note).toMatch(/^shared node_modules not set up on host box: npm ci .* failed \(exit \d+\)/);
    expect(existsSync(rec.target!)).toBe(false);
    expect(existsSync(join(third.worktree.worktree, 'node_modules'))).toBe(false);
  });
});
