import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/index.js';
import { findSshd } from '../../src/test-support/sshd.js';
import { PROJECT_ROOT, git, makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';
import { startTestHost, type TestHost } from '../../src/test-support/test-host.js';
import { waitFor } from '../../src/test-support/tmux-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));
const sshd = findSshd();
if (!sshd) console.log('SKIP: e2e of checks and rebases on a remote host: sshd not found (install openssh-server)');

const AGENT = join(PROJECT_ROOT, 'assets', 'demo-agent', 'demo-agent.mjs');
const GIT_ENV = { GIT_AUTHOR_NAME: 'demo', GIT_AUTHOR_EMAIL: 'demo@flotilla.invalid', GIT_COMMITTER_NAME: 'demo', GIT_COMMITTER_EMAIL: 'demo@flotilla.invalid' };
const prompt = (file: string, content: string) => ['Do it.', `demo: write ${file} "${content}\\n"`, `demo: commit "Add ${file}"`, 'demo: say "done"'].join('\n');

/**
 * The check proves where it ran: the host's own env variable (set only by hosts.box.env, applied by
 * the ssh transport), the ssh session's SSH_CONNECTION, and its working folder, also written beside
 * the worktree on the host. A worktree holding FAIL fails it with that file's words.
 */
const CHECK = [
  'echo "ran on ${FLOTILLA_TEST_HOST:-this machine} over ${SSH_CONNECTION:+ssh} in $(pwd) for $FLOTILLA_TASK"',
  'pwd > "../ran-$FLOTILLA_TASK"',
  'if [ -e FAIL ]; then echo "check failed on purpose: $(cat FAIL)"; exit 3; fi',
].join('\n');

interface StatusTask {
  id: string;
  state: string;
  gates: Record<string, { state: string; detail: string }>;
  pr: { branch: string; headSha?: string; checks: Array<{ name: string; state: string; log?: string }> } | null;
  attempts: Array<{ host?: string; worktree: string; failure?: { class: string; evidence: string } | null }>;
  live?: { watched: boolean; outputAgeSec: number | null };
}

describe.skipIf(!sshd || !HAVE_TMUX)('checks and rebases of attempts on a remote host (sshd on 127.0.0.1)', () => {
  let repo: TempRepo;
  let host: TestHost & { stop(): void };
  let hostRoot: string;
  const term = `flt-e2e-rchecks-${process.pid}`;
  const cli = (args: string[]) => runCli(repo.root, args, { FLOTILLA_TMUX_SOCKET: `${term}-local` });
  const tasks = async (): Promise<StatusTask[]> => (JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: StatusTask[] }).tasks;
  /** The registry as the passes left it (polled between `check` runs; assertions go through `status --json`). */
  const registry = (): StatusTask[] => (JSON.parse(readFileSync(join(repo.root, '.flotilla', 'tasks.json'), 'utf8')) as { tasks: StatusTask[] }).tasks;

  beforeAll(async () => {
    repo = makeTempRepo({});
    host = await startTestHost(sshd!, repo, 'box', { maxBuilds: 1, env: { FLOTILLA_TEST_HOST: 'box' } });
    hostRoot = host.root;
    repo.write(
      '.flotilla/config.json',
      JSON.stringify({
        worktreeRoot: repo.worktreeRoot,
        runtime: 'tmux',
        forge: 'local',
        gates: ['pr', 'rebased', 'ci'],
        checks: [{ name: 'where', command: ['sh', '-c', CHECK], timeoutSec: 120 }],
        recovery: { auto: [] },
        defaultAgent: 'demo',
        notify: { bell: false, desktop: false },
        monitor: { intervalSec: 15, idleGraceSec: 0 },
        profiles: {
          demo: {
            command: [process.execPath, AGENT, '--model', '{model}', '{prompt}'],
            model: 'claude-sonnet-4-5',
            env: { NO_COLOR: '1', ...GIT_ENV },
          },
        },
        hosts: { box: host.config },
      }),
    );
  }, 30_000);

  afterAll(() => {
    // The agents live in the host's tmux server: ending it ends them (stop is covered by remote-host.test.ts).
    host?.stop();
    spawnSync('tmux', ['-L', `${term}-local`, 'kill-server'], { stdio: 'ignore' });
    repo?.cleanup();
  });

  it('runs the checks on the host in its worktree (pass → ready, fail → ci_failed with the words), and rebases there when base moves', { timeout: 600_000 }, async () => {
    const t0 = Date.now();
    const lap = (what: string) => console.log(`remote checks e2e: ${what} after ${Date.now() - t0} ms`);
    // Both tasks at once: one host, its one build slot (maxBuilds 1) shared by their checks.
    const starts = await Promise.all(
      (
        [
          ['good', 'hello.txt', 'hello'],
          ['bad', 'FAIL', 'boom'],
        ] as const
      ).map(async ([id, file, content]) => {
        expect((await cli(['add', id, '--id', id, '--prompt', prompt(file, content)])).code).toBe(0);
        return cli(['start', id, '--host', 'box']);
      }),
    );
    expect(starts.map((r) => r.stderr)).toEqual(['', '']);
    lap('started');
    await waitFor(
      'good ready and bad failed',
      async () => {
        await cli(['check']);
        const all = registry();
        return all.find((t) => t.id === 'good')?.state === 'ready' && all.find((t) => t.id === 'bad')?.state === 'failed';
      },
      240_000,
      500,
    );
    lap('good ready, bad failed');
    const all = await tasks();
    const good = all.find((t) => t.id === 'good')!;
    const bad = all.find((t) => t.id === 'bad')!;
    const worktree = good.attempts[0]!.worktree;
    expect(good.attempts[0]!.host).toBe('box');
    expect(worktree.startsWith(`${hostRoot}/`)).toBe(true);
    expect(good.gates['ci']?.state).toBe('pass');
    expect(good.gates['ci']?.detail).toBe('1/1 passed');
    // Unwatched, `status` says how long ago each agent printed, from its log on the host (no process
    // here copied what they printed before the first check followed them).
    for (const t of [good, bad]) expect(t.live).toMatchObject({ watched: false, outputAgeSec: expect.any(Number) });
    // Its log came back here and says where it ran.
    const log = join(repo.root, '.flotilla', 'runs', 'good', '1', 'where.log');
    expect(readFileSync(log, 'utf8')).toContain(`ran on box over ssh in ${worktree} for good\n`);
    expect(good.pr?.checks.map((c) => [c.name, c.state, c.log])).toEqual([['where', 'pass', log]]);
    expect(readFileSync(join(dirname(worktree), 'ran-good'), 'utf8')).toBe(`${worktree}\n`);

    // The failing check failed the CI gate as a local one does, with its words.
    expect(bad.gates['ci']?.state).toBe('fail');
    expect(bad.attempts[0]!.failure?.class).toBe('ci_failed');
    expect(bad.attempts[0]!.failure?.evidence).toContain('check failed on purpose: boom');
    expect(readFileSync(join(repo.root, '.flotilla', 'runs', 'bad', '1', 'where.log'), 'utf8')).toMatch(/ran on box over ssh in .*bad-a1 for bad\ncheck failed on purpose: boom\n/);

    // Base moves on main: the attempt is rebased on the host and comes back here on the new base.
    const oldHead = good.pr!.headSha!;
    repo.write('other.txt', 'from main\n');
    repo.commit('Move main');
    const mainTip = git(repo.root, 'rev-parse', 'main').trim();
    await waitFor(
      'good rebased onto the new main and ready again',
      async () => {
        await cli(['check']);
        const t = registry().find((x) => x.id === 'good');
        return t?.state === 'ready' && Boolean(t.pr?.headSha) && t.pr?.headSha !== oldHead && t.gates['ci']?.state === 'pass';
      },
      180_000,
      500,
    );
    lap('rebased and ready');
    const rebased = (await tasks()).find((x) => x.id === 'good')!;
    const localTip = git(repo.root, 'rev-parse', 'flotilla/good-a1').trim();
    expect(rebased.pr?.headSha).toBe(localTip);
    expect(git(repo.root, 'rev-parse', 'flotilla/good-a1~1').trim()).toBe(mainTip);
    expect(git(repo.root, 'log', '--format=%s', 'main..flotilla/good-a1').trim()).toBe('Add hello.txt');
    // The worktree on the host is on the same commit: the rebase happened there.
    expect(execFileSync('git', ['-C', worktree, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim()).toBe(localTip);
    expect(existsSync(join(worktree, 'other.txt'))).toBe(true);
    expect(rebased.gates['rebased']?.state).toBe('pass');
  });
});
