/**
 * The GitHub path with a fake `gh` on PATH (GitHub cannot be reached from here): an old gh (Debian's
 * 2.23), a logged-out gh, and gh errors, through the real `flotilla check` and `status`.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFakeGh } from '../../src/test-support/fake-gh.js';
import { crashed, git, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
afterEach(() => {
  repo?.cleanup();
  repo = undefined;
});

/** A repository whose origin is on GitHub (by URL), a finished task, and a fake gh first on PATH. */
async function githubRepo(forge: 'auto' | 'github', fixtures: Record<string, unknown>): Promise<{ env: NodeJS.ProcessEnv }> {
  const agent = ['sh', '-c', 'echo done > done.txt && git add done.txt && git -c user.name=a -c user.email=a@b commit -qm done'];
  repo = hostileRepo({ runtime: 'pty', forge, profiles: { d: { command: agent } }, defaultAgent: 'd', gates: ['pr', 'ci'] });
  if (forge === 'auto') git(repo.root, 'remote', 'add', 'origin', 'https://github.com/acme/app.git');
  else {
    // Pushing must work: a local bare repository stands for GitHub.
    const origin = join(repo.dir, 'origin.git');
    git(repo.dir, 'init', '-q', '--bare', origin);
    git(repo.root, 'remote', 'add', 'origin', origin);
  }
  const ghDir = join(repo.dir, 'fake-gh');
  writeFakeGh(ghDir, fixtures);
  const env = { PATH: `${ghDir}:${process.env.PATH}` };
  expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 'gh1'], { env })).code).toBe(0);
  expect((await runFlotilla(repo.root, ['start', 'gh1'], { env })).code).toBe(0);
  return { env };
}

describe('forge auto and gh', () => {
  it("Debian's gh 2.23: check and status say local and why, naming the minimum (was: silent local, or 'did not print JSON: (empty)')", async () => {
    const { env } = await githubRepo('auto', { 'version.txt': 'gh version 2.23.0 (2023-02-21)\nhttps://github.com/cli/cli/releases/tag/v2.23.0\n' });
    const r = await runFlotilla(repo!.root, ['check'], { env });
    expect(crashed(r)).toBe(false);
    const line = 'forge: local (gh 2.23.0 is too old: flotilla needs gh 2.50.0 or newer (for gh pr checks --json); install it from https://cli.github.com)';
    expect(r.stdout.split('\n')[0]).toBe(line);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('forge:'))).toHaveLength(1);
    expect(r.code).toBe(3); // the task is ready on the local forge: it needs the human
    const s = await runFlotilla(repo!.root, ['status'], { env });
    expect(s.code).toBe(0);
    expect(s.stdout.trim().split('\n').at(-1)).toBe(line);
    expect(stateDiff(s.before, s.after)).toEqual({ added: [], removed: [], changed: [] });
  });

  it("a logged-out gh: local, with gh's own words and what to run", async () => {
    const { env } = await githubRepo('auto', {
      'auth-exit': '1',
      'auth-stderr.txt': 'You are not logged into any GitHub hosts. To log in, run: gh auth login\n',
    });
    const r = await runFlotilla(repo!.root, ['check'], { env });
    expect(r.stdout.split('\n')[0]).toBe(
      'forge: local (gh is not logged in: run gh auth login (gh says: You are not logged into any GitHub hosts. To log in, run: gh auth login))',
    );
  });

  it('gh logged in and new enough: github, named with its version', async () => {
    const { env } = await githubRepo('auto', { 'version.txt': 'gh version 2.62.0 (2024-11-14)\n' });
    const s = await runFlotilla(repo!.root, ['status'], { env });
    expect(s.stdout.trim().split('\n').at(-1)).toBe('forge: github (GitHub remote "origin", gh 2.62.0 logged in)');
  });
});

describe('forge github and gh errors', () => {
  it("gh pr checks failing with nothing on stdout: gh's error is quoted (was: 'did not print JSON: (empty)')", async () => {
    const { env } = await githubRepo('github', {
      'pr-list.json': [{ number: 7, url: 'https://github.com/acme/app/pull/7', title: 'x', body: '', state: 'OPEN', headRefName: 'flotilla/gh1-a1', baseRefName: 'main' }],
      'checks.json': '',
      'checks-exit': '1',
      'checks-stderr.txt': 'unknown flag: --json\n\nUsage:  gh pr checks [<number> | <url> | <branch>] [flags]\n',
    });
    const r = await runFlotilla(repo!.root, ['check', '--json'], { env });
    expect(crashed(r)).toBe(false);
    const result = JSON.parse(r.stdout);
    expect(result.forgeWhy).toBe('config "forge": "github", gh 2.60.0');
    const degraded = result.needsHuman.find((h: { why: string }) => h.why === 'degraded');
    expect(degraded.message).toBe('gh pr checks failed (exit 1): unknown flag: --json');
    expect(r.stdout).not.toContain('did not print JSON');
  });

  it('config github with a logged-out gh: every task says so, and nothing is pushed', async () => {
    const { env } = await githubRepo('github', { 'auth-exit': '1', 'auth-stderr.txt': 'HTTP 401: Bad credentials\n' });
    const r = await runFlotilla(repo!.root, ['check'], { env });
    expect(r.stdout.split('\n')[0]).toBe('forge: github (config "forge": "github", but gh is not logged in: run gh auth login (gh says: HTTP 401: Bad credentials))');
    expect(r.stdout).toContain('gh1: degraded: gh is not logged in: run gh auth login (gh says: HTTP 401: Bad credentials)');
    expect(git(join(repo!.dir, 'origin.git'), 'for-each-ref', '--format=%(refname)').trim()).toBe('');
  });
});
