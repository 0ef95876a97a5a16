import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../fleet/index.js';
import { git, makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';

let repo: TempRepo;
let fleet: Fleet;

afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
});

const NOOP = { command: ['node', '-e', ''], appendContext: 'prompt', hooks: 'none' };

/** A setup command that fails the first time it runs and bootstraps the worktree after that. */
function failsOnce(counter: string): string[] {
  const script = [
    `const fs = require('fs');`,
    `const n = fs.existsSync(${JSON.stringify(counter)}) ? Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) : 0;`,
    `fs.writeFileSync(${JSON.stringify(counter)}, String(n + 1));`,
    `if (n === 0) { console.error('setup broke'); process.exit(3); }`,
    `fs.writeFileSync('bootstrapped', 'yes');`,
  ].join(' ');
  return ['node', '-e', script];
}

async function setup(config: Record<string, unknown>, agent = 'noop'): Promise<void> {
  repo = makeTempRepo({ runtime: 'pty', profiles: { noop: NOOP, odd: { command: ['echo', '{promt}'] }, empty: { command: ['  '] } }, ...config });
  fleet = await createFleet({ cwd: repo.root, sessions: { runtime: 'pty', size: { cols: 80, rows: 24 } } });
  await fleet.dispatch({ type: 'task.add', input: { title: 'Job', prompt: 'do it', id: 'job', agent } });
}

const task = async () => (await fleet.registry.read()).tasks.find((t) => t.id === 'job')!;
const branches = () => git(repo.root, 'branch', '--list', 'flotilla/job-*').trim();

async function expectNothingLeft(): Promise<void> {
  const t = await task();
  expect(t.attempts).toEqual([]);
  expect(t.state).toBe('new');
  expect(existsSync(join(repo.worktreeRoot, 'job-a1'))).toBe(false);
  expect(branches()).toBe('');
  expect(git(repo.root, 'worktree', 'list', '--porcelain')).not.toContain('job-a1');
}

describe('preparing an attempt on start', () => {
  it('a setup command that fails once: the first start fails and leaves nothing; the second bootstraps again', async () => {
    // Setup commands run in the new worktree: the counter lives beside it, in the worktree root.
    await setup({ bootstrap: { setup: [failsOnce('../setup-count')] } });
    const count = join(repo.worktreeRoot, 'setup-count');

    await expect(fleet.dispatch({ type: 'task.start', id: 'job' })).rejects.toThrow(/exit 3|setup broke/);
    await expectNothingLeft();

    await fleet.dispatch({ type: 'task.start', id: 'job' });
    const t = await task();
    expect(t.attempts).toHaveLength(1);
    expect(readFileSync(count, 'utf8')).toBe('2');
    expect(readFileSync(join(t.attempts[0]!.worktree, 'bootstrapped'), 'utf8')).toBe('yes');
  });

  it('a start refused for an unknown placeholder leaves no attempt, worktree or branch behind', async () => {
    await setup({}, 'odd');
    await expect(fleet.dispatch({ type: 'task.start', id: 'job' })).rejects.toThrow(/\{promt\}/);
    await expectNothingLeft();
  });

  it('a start refused for an empty command leaves no attempt, worktree or branch behind', async () => {
    await setup({}, 'empty');
    await expect(fleet.dispatch({ type: 'task.start', id: 'job' })).rejects.toThrow(/profiles\.empty\.command.*empty/);
    await expectNothingLeft();
  });
});
