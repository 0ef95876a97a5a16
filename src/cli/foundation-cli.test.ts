import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { git, makeTempRepo, runCli, type TempRepo } from '../test-support/temp-repo.js';

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('flotilla init / add / status / rm (real binary)', () => {
  it('init writes defaults, MEMORY.md and the git exclude; it is idempotent', async () => {
    repo = makeTempRepo({}, { init: false });
    const r = await runCli(repo.root, ['init']);
    expect(r.code).toBe(0);
    const config = JSON.parse(readFileSync(join(repo.root, '.flotilla/config.json'), 'utf8'));
    expect(config.recovery.maxAttempts).toBe(3);
    expect(readFileSync(join(repo.root, '.flotilla/MEMORY.md'), 'utf8')).toMatch(/## Strategy[\s\S]*## What works[\s\S]*## What failed/);
    expect(readFileSync(join(repo.root, '.git/info/exclude'), 'utf8')).toContain('.flotilla/');
    expect((await runCli(repo.root, ['init'])).code).toBe(0);
    expect(readFileSync(join(repo.root, '.git/info/exclude'), 'utf8').match(/\.flotilla\//g)).toHaveLength(1);
    expect(git(repo.root, 'status', '--porcelain')).toBe('');
  });

  it('add prints the slug id; status shows it as a table and as JSON', async () => {
    repo = makeTempRepo();
    const add = await runCli(repo.root, ['add', 'Fix the login bug!', '--prompt', 'Make login work', '--tag', 'auth', '--agent', 'codex']);
    expect(add).toMatchObject({ code: 0, stdout: 'fix-the-login-bug\n' });
    const table = await runCli(repo.root, ['status']);
    expect(table.stdout).toMatch(/^ID\s+STATE/);
    expect(table.stdout).toMatch(/fix-the-login-bug\s+new\s+codex/);
    const json = JSON.parse((await runCli(repo.root, ['status', '--json'])).stdout);
    expect(json.tasks[0]).toMatchObject({
      id: 'fix-the-login-bug', title: 'Fix the login bug!', agent: 'codex', base: 'main', state: 'new',
      tags: ['auth'], attempts: [], gates: {}, pr: null, cost: null,
    });
  });

  it('the first add in a repository never set up sets it up (config, MEMORY.md, git exclude)', async () => {
    repo = makeTempRepo({}, { init: false });
    const r = await runCli(repo.root, ['add', 'First', '--prompt', 'p']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('first');
    expect(readFileSync(join(repo.root, '.git', 'info', 'exclude'), 'utf8')).toContain('.flotilla/');
    expect(readFileSync(join(repo.root, '.flotilla', 'MEMORY.md'), 'utf8')).toContain('## Strategy');
    expect(git(repo.root, 'status', '--porcelain')).toBe('');
  });

  it('add reads --prompt-file and takes --id', async () => {
    repo = makeTempRepo();
    repo.write('brief.md', 'Do the thing\n');
    expect((await runCli(repo.root, ['add', 'Thing', '--prompt-file', 'brief.md', '--id', 'thing-1'])).stdout).toBe('thing-1\n');
    const reg = JSON.parse(readFileSync(join(repo.root, '.flotilla/tasks.json'), 'utf8'));
    expect(reg.tasks[0].prompt).toBe('Do the thing\n');
  });

  it('rm removes the task; unknown ids are refused', async () => {
    repo = makeTempRepo();
    await runCli(repo.root, ['add', 'One', '--prompt', 'p']);
    expect((await runCli(repo.root, ['rm', 'one'])).code).toBe(0);
    expect(JSON.parse((await runCli(repo.root, ['status', '--json'])).stdout).tasks).toEqual([]);
    const r = await runCli(repo.root, ['rm', 'one']);
    expect(r.code).not.toBe(0);
    expect(oneLine(r.stderr)).toMatch(/no task "one"/);
  });

  it("rm deletes the task's own state folders (a later task of the same id starts clean); --keep-worktrees keeps logs and runs", async () => {
    repo = makeTempRepo();
    const state = (id: string, dir: string) => join(repo!.root, '.flotilla', dir, id);
    const dirs = ['hooks', 'prompts', 'logs', 'runs'];
    for (const id of ['one', 'two']) {
      await runCli(repo.root, ['add', id, '--prompt', 'p']);
      for (const d of dirs) {
        mkdirSync(state(id, d), { recursive: true });
        writeFileSync(join(state(id, d), '1.txt'), 'x');
      }
    }
    expect((await runCli(repo.root, ['rm', 'one'])).code).toBe(0);
    for (const d of dirs) expect(existsSync(state('one', d)), d).toBe(false);
    for (const d of dirs) expect(existsSync(state('two', d)), `two/${d}`).toBe(true);
    expect((await runCli(repo.root, ['rm', 'two', '--keep-worktrees'])).code).toBe(0);
    expect(dirs.filter((d) => existsSync(state('two', d)))).toEqual(['logs', 'runs']);
  });

  describe('bad input: one line, non-zero exit, no file changed', () => {
    it('outside a git repository', async () => {
      const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-nogit-')));
      const r = await runCli(dir, ['status']);
      expect(r.code).not.toBe(0);
      expect(oneLine(r.stderr)).toContain(`not inside a git repository: ${dir}`);
    });

    it('a mistyped config key', async () => {
      repo = makeTempRepo({ monitr: { intervalSec: 5 } });
      const r = await runCli(repo.root, ['add', 'x', '--prompt', 'p']);
      expect(r.code).toBe(1);
      expect(oneLine(r.stderr)).toMatch(/config\.json: key "monitr": unknown key \(did you mean "monitor"\?\)/);
    });

    it('a config key of the wrong type', async () => {
      repo = makeTempRepo({ runtime: 'screen' });
      const r = await runCli(repo.root, ['status']);
      expect(oneLine(r.stderr)).toMatch(/key "runtime"/);
      expect(r.code).toBe(1);
    });

    it('a corrupt tasks.json is kept byte for byte', async () => {
      repo = makeTempRepo();
      const file = join(repo.root, '.flotilla/tasks.json');
      writeFileSync(file, '{"version": 1, "tasks": [oops');
      for (const args of [['status'], ['add', 'x', '--prompt', 'p']]) {
        const r = await runCli(repo.root, args);
        expect(r.code).toBe(1);
        expect(oneLine(r.stderr)).toMatch(/tasks\.json: not valid JSON/);
      }
      writeFileSync(file, JSON.stringify({ version: 1, tasks: [{ id: 'x' }] }));
      const r = await runCli(repo.root, ['add', 'y', '--prompt', 'p']);
      expect(oneLine(r.stderr)).toMatch(/not a flotilla task registry: tasks\.0\.title/);
      expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ version: 1, tasks: [{ id: 'x' }] }));
    });

    it('duplicate id, non-slug ids, missing base, unreadable prompt file, unknown agent', async () => {
      repo = makeTempRepo();
      await runCli(repo.root, ['add', 'A', '--prompt', 'p', '--id', 'a']);
      const file = join(repo.root, '.flotilla/tasks.json');
      const before = readFileSync(file, 'utf8');
      const cases: [string[], RegExp][] = [
        [['add', 'A', '--prompt', 'p', '--id', 'a'], /task with id "a" already exists/],
        [['add', 'A', '--prompt', 'p', '--id', '../x'], /--id "\.\.\/x" is not a valid slug/],
        [['add', 'A', '--prompt', 'p', '--id', 'has space'], /not a valid slug/],
        [['add', 'A', '--prompt', 'p', '--id', ''], /not a valid slug/],
        [['add', 'A', '--prompt', 'p', '--base', 'nope'], /base branch "nope" does not exist/],
        [['add', 'A', '--prompt-file', 'missing.md'], /cannot read prompt file .*missing\.md/],
        [['add', 'A', '--prompt', 'p', '--agent', 'nobody'], /unknown agent profile "nobody"/],
        [['add', 'A'], /needs a prompt/],
        [['add', 'A', '--prompt', 'p', '--after', 'ghost'], /--after ghost: no such task/],
        [['add', 'A', '--prompt', 'p', '--context', 'nope.md'], /--context nope\.md: cannot read/],
        [['add', 'A', '--prompt', 'p', '--bogus'], /Unknown option '--bogus'/],
        [['rm', '../etc'], /not a valid slug/],
      ];
      for (const [args, pattern] of cases) {
        const r = await runCli(repo.root, args);
        expect(r.code, args.join(' ')).not.toBe(0);
        expect(oneLine(r.stderr), args.join(' ')).toMatch(pattern);
      }
      expect(readFileSync(file, 'utf8')).toBe(before);
    });
  });

  it('a context file add accepts reaches the prompt whole; a larger one is refused at add', async () => {
    repo = makeTempRepo({ defaultAgent: 'claude' });
    await runCli(repo.root, ['add', 'Seed', '--prompt', 'p']);
    const file = join(repo.root, '.flotilla/tasks.json');
    const before = readFileSync(file, 'utf8');
    // 100 KB was accepted by add and then cut to 64 KiB in the worker's prompt.
    repo.write('big.md', 'b'.repeat(100_000));
    const big = await runCli(repo.root, ['add', 'Big', '--prompt', 'p', '--context', 'big.md']);
    expect(big.code).toBe(2);
    expect(oneLine(big.stderr)).toMatch(/--context big\.md: 100000 bytes is over the 64 KiB cap/);
    expect(readFileSync(file, 'utf8')).toBe(before);

    repo.write('edge.md', `${'e'.repeat(64 * 1024 - 4)}END\n`);
    const edge = await runCli(repo.root, ['add', 'Edge', '--prompt', 'p', '--context', 'edge.md']);
    expect(edge.code, edge.stderr).toBe(0);
    const preview = JSON.parse((await runCli(repo.root, ['prompt', 'edge', '--json'])).stdout);
    const ctx = preview.parts.find((p: { kind: string }) => p.kind === 'context');
    expect(ctx.text).toBe(`${'e'.repeat(64 * 1024 - 4)}END\n`);
    expect(preview.prompt).not.toContain('truncated');
  });

  it('--help works for every command and unknown commands exit 2', async () => {
    repo = makeTempRepo();
    for (const cmd of ['init', 'add', 'status', 'rm']) {
      const r = await runCli(repo.root, [cmd, '--help']);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toMatch(new RegExp(`Usage: flotilla ${cmd}`));
    }
    const r = await runCli(repo.root, ['frobnicate']);
    expect(r.code).toBe(2);
  });
});
