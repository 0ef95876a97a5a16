/**
 * Outside text from GitHub through the real CLI: PR titles and bodies, check names, check links and
 * failed-run logs (from a fake gh on PATH, the one thing a test cannot reach for real) carry the
 * hostile corpus; `check`, `status` and `watch` print none of its control characters.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ghPr, writeFakeGh } from '../../src/test-support/fake-gh.js';
import { addRunningTask, agentCommit, makeFleetFixture, setSession, type FleetFixture } from '../../src/test-support/fleet-fixture.js';
import { HOSTILE_ALL, HOSTILE_CORPUS, assertNoControlChars, crashed, git, runFlotilla } from './helpers.js';

const S = Object.entries(HOSTILE_CORPUS)
  .filter(([k]) => k !== 'longLine')
  .map(([, v]) => v)
  .join(' ');
let fx: FleetFixture;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  fx = await makeFleetFixture({ gates: ['pr', 'ci'] });
  const bare = join(fx.repo.dir, 'origin.git');
  git(fx.repo.dir, 'init', '-q', '--bare', bare);
  git(fx.repo.root, 'remote', 'add', 'origin', 'https://github.com/acme/app.git');
  git(fx.repo.root, 'config', 'remote.origin.pushurl', bare);
  const ghDir = join(fx.repo.dir, 'bin');
  writeFakeGh(ghDir, {
    'pr-list.json': [ghPr({ headRefName: 'flotilla/gh-a1', title: `PR ${S}`, body: `## Summary\n${HOSTILE_ALL}\n## Testing\n` })],
    'checks.json': [
      { name: `build ${S}`, state: 'FAILURE', bucket: 'fail', link: `https://github.com/acme/app/actions/runs/7/job/1${S}` },
      { name: 'lint', state: 'SUCCESS', bucket: 'pass', link: '' },
    ],
    'checks-exit': '1',
    'run-log.txt': `build\tstep\t${HOSTILE_ALL}\n`,
  });
  env = { PATH: `${ghDir}:${process.env.PATH}` };
  const wt = await addRunningTask(fx.fleet, 'gh', `Task ${S}`);
  agentCommit(wt.worktree, 'a.txt', 'a\n');
  await setSession(fx.fleet, 'gh', { state: 'idle', pid: process.pid });
}, 120_000);
afterAll(async () => fx?.cleanup());

describe('GitHub text never reaches the terminal raw', () => {
  for (const args of [['check'], ['check', '--json'], ['status'], ['status', '--json'], ['check']]) {
    it(args.join(' '), async () => {
      const run = await runFlotilla(fx.repo.root, args, { env });
      expect(crashed(run), run.stderr).toBe(false);
      assertNoControlChars(run.stdoutBytes, `${args.join(' ')} stdout`);
      assertNoControlChars(run.stderrBytes, `${args.join(' ')} stderr`);
      if (args.includes('--json')) expect(() => JSON.parse(run.stdout)).not.toThrow();
    });
  }

  it('the failed check reached the registry (the case is real, not an empty run)', async () => {
    const run = await runFlotilla(fx.repo.root, ['status', '--json'], { env });
    const task = JSON.parse(run.stdout).tasks[0];
    expect(task.pr).toMatchObject({ forge: 'github', number: 42 });
    expect(JSON.stringify(task)).toContain('build \\u001b]52');
  });

  it('watch', async () => {
    const run = await runFlotilla(fx.repo.root, ['watch'], { env, timeoutMs: 6_000 });
    assertNoControlChars(run.stdoutBytes, 'watch stdout');
    assertNoControlChars(run.stderrBytes, 'watch stderr');
  });
});
