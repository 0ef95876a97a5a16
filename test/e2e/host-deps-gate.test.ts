import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeMaster, findExecutable } from '../../src/engine/index.js';
import { findSshd, startSshd, type TestSshd } from '../../src/test-support/sshd.js';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { waitFor } from '../../src/test-support/tmux-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const sshd = findSshd();
if (!sshd) console.log('SKIP: e2e of shared node_modules on a host: sshd not found (install openssh-server)');

// Each npm install (ci or install) runs the root package's postinstall: one line in node_modules/.installs.
const POSTINSTALL = "node -e \"require('fs').mkdirSync('node_modules',{recursive:true});require('fs').appendFileSync('node_modules/.installs','install\\n')\"";
const PKG = JSON.stringify({ name: 'hostdeps', version: '1.0.0', scripts: { postinstall: POSTINSTALL } }, null, 2) + '\n';
const LOCK = JSON.stringify({ name: 'hostdeps', version: '1.0.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'hostdeps', version: '1.0.0' } } }, null, 2) + '\n';
const GIT_ENV = { GIT_AUTHOR_NAME: 'agent', GIT_AUTHOR_EMAIL: 'a@flotilla.invalid', GIT_COMMITTER_NAME: 'agent', GIT_COMMITTER_EMAIL: 'a@flotilla.invalid' };

// The agent changes the lockfile (a new top-level field npm keeps) and commits it, then stays.
// (An uncommitted change, seen in the probe's git status lines, is covered in host-lockfile.test.ts.)
const AGENT = ['sed -i "s/\\"requires\\": true/\\"requires\\": true, \\"x\\": 1/" package-lock.json', 'git commit -qam "change the lockfile"', 'echo changed; sleep 300'].join('; ');

interface StatusTask {
  id: string;
  notes?: Array<{ message: string }>;
  attempts: Array<{ worktree: string; sharedDeps?: { mode: string; target?: string; note?: string } }>;
}

describe.skipIf(!sshd || !HAVE_TMUX)('shared node_modules and the stop gate of an agent on a host (real binary, real sshd)', () => {
  let server: TestSshd;
  let repo: TempRepo;
  let hostRoot: string;
  let hostConfig: Record<string, unknown>;
  const cli = (args: string[]) => runCli(repo.root, args, { FLOTILLA_TMUX_SOCKET: `flt-e2e-hostdeps-${process.pid}` });
  const statusOf = async (id: string): Promise<StatusTask> => (JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: StatusTask[] }).tasks.find((t) => t.id === id)!;

  beforeAll(async () => {
    server = await startSshd(sshd!);
    repo = makeTempRepo({});
    hostRoot = join(repo.dir, 'box');
    mkdirSync(hostRoot);
    hostConfig = {
      ssh: `${server.user}@127.0.0.1`, port: server.port, identityFile: server.userKey, knownHostsFile: server.knownHosts, worktreeRoot: hostRoot, memReserveMB: 0,
      env: { npm_config_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_cache: join(repo.dir, 'npm-cache') },
    };
    repo.write('package.json', PKG);
    repo.write('package-lock.json', LOCK);
    repo.write('.gitignore', 'node_modules\n');
    repo.commit('a package with a lockfile');
    repo.write(
      '.flotilla/config.json',
      JSON.stringify({
        worktreeRoot: repo.worktreeRoot,
        runtime: 'tmux',
        gates: [],
        shared: { nodeModules: true },
        // The stop gate's local checks (run by hand below, on the host).
        checks: [{ name: 'lint', command: ['sh', '-c', 'echo "lint: 2 problems in $(basename "$PWD")"; exit 1'] }],
        stopGate: { enabled: false, maxBlocks: 1 },
        notify: { bell: false, desktop: false },
        monitor: { intervalSec: 15, idleGraceSec: 3600 },
        recovery: { auto: [] },
        profiles: {
          committer: { command: ['sh', '-c', AGENT], hooks: 'none', env: GIT_ENV },
          dirty: { command: ['sh', '-c', 'echo wip > wip.txt; echo dirty; sleep 300'], hooks: 'none', env: GIT_ENV },
        },
        hosts: { box: hostConfig },
      }),
    );
  }, 30_000);

  afterAll(() => {
    const socket = spawnSync('sh', ['-c', `ls -d ${hostRoot}/.flotilla/*/tmux`], { encoding: 'utf8' }).stdout.trim();
    if (socket) spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    if (repo) closeMaster(join(repo.root, '.flotilla'), 'box', hostConfig as never);
    server?.stop();
    repo?.cleanup();
  });

  it("the agent's committed lockfile change makes that worktree's node_modules private there, as locally; the shared store stays", { timeout: 240_000 }, async () => {
    expect((await cli(['add', 'Lockfile', '--id', 'committed', '--agent', 'committer', '--prompt', 'change the lockfile'])).code).toBe(0);
    const started = await cli(['start', 'committed', '--host', 'box']);
    expect(started.stderr).toBe('');
    expect(started.stdout).toMatch(/on host box/);
    const linked = await statusOf('committed');
    const store = linked.attempts[0]!.sharedDeps!.target!;
    expect(linked.attempts[0]!.sharedDeps!.mode).toBe('shared');
    expect(readFileSync(join(store, '.installs'), 'utf8')).toBe('install\n');

    // One-shot passes (a cron `check`): the pass after the agent's commit notices it through the host's probe.
    const t = await waitFor(
      'the attempt to be private',
      async () => {
        await cli(['check']);
        const s = await statusOf('committed');
        return s.attempts[0]!.sharedDeps?.mode === 'private' ? s : null;
      },
      120_000,
      500,
    );
    const wt = t.attempts[0]!.worktree;
    const note = 'node_modules on host box: package-lock.json changed, so the shared install was replaced by a private one';
    expect(t.attempts[0]!.sharedDeps!.note).toBe(note);
    expect(t.notes?.map((n) => n.message)).toContain(note);
    // The worktree on the host (this machine here) has its own node_modules, installed there once.
    expect(lstatSync(join(wt, 'node_modules')).isSymbolicLink()).toBe(false);
    expect(readFileSync(join(wt, 'node_modules', '.installs'), 'utf8')).toBe('install\n');
    // The committed change came back to the local branch (which is where its hash was read).
    expect(execFileSync('git', ['-C', repo.root, 'log', '-1', '--format=%s', 'flotilla/committed-a1'], { encoding: 'utf8' }).trim()).toBe('change the lockfile');
    // The store the other worktrees link to is left as it was.
    expect(readFileSync(join(store, '.installs'), 'utf8')).toBe('install\n');
    expect((await cli(['stop', 'committed'])).code).toBe(0);
  });

  it('`flotilla gate <task> --local` by hand runs the gate on the host and prints the same as locally', { timeout: 120_000 }, async () => {
    expect((await cli(['add', 'Dirty', '--id', 'dirty', '--agent', 'dirty', '--prompt', 'leave a file'])).code).toBe(0);
    expect((await cli(['start', 'dirty', '--host', 'box'])).code).toBe(0);
    const wt = (await statusOf('dirty')).attempts[0]!.worktree;
    await waitFor('the agent to leave its file', async () => (existsSync(join(wt, 'wip.txt')) ? true : null), 60_000, 200);
    // No local worktree is looked for: the host's (here under the host's root) is the one checked.
    expect(wt.startsWith(hostRoot)).toBe(true);
    const blocked = await cli(['gate', 'dirty', '--local']);
    expect(blocked.code).toBe(2);
    expect(blocked.stdout).toBe('');
    expect(blocked.stderr).toContain('flotilla stop gate (block 1 of 1): the task is not done yet.');
    expect(blocked.stderr).toContain('Uncommitted changes: wip.txt. Commit your work (or remove stray files) before stopping.');
    expect(blocked.stderr).toMatch(/Check "lint" \(sh -c .*\) failed: exit 1: lint: 2 problems in dirty-a1\nlint: 2 problems in dirty-a1/);
    expect(blocked.stderr).toContain('Fix these, commit, then finish.');
    // The block was counted on the host: the next stop goes ahead (maxBlocks 1), as locally.
    const allowed = await cli(['gate', 'dirty', '--local']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout.trim()).toBe('stop gate: 1/1 blocks used for attempt 1; letting the agent stop');
    expect((await cli(['stop', 'dirty'])).code).toBe(0);
  });
});
