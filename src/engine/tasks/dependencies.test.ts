import { describe, expect, it } from 'vitest';
import { findDependencyCycle } from './dependencies.js';

describe('dependency cycles', () => {
  const tasks = [
    { id: 'a', after: [] },
    { id: 'b', after: ['a'] },
    { id: 'c', after: ['b'] },
  ];
  it('finds none for a new task after existing ones', () => {
    expect(findDependencyCycle(tasks, 'd', ['c', 'a'])).toBeNull();
  });
  it('finds a self-dependency', () => {
    expect(findDependencyCycle(tasks, 'd', ['d'])).toEqual(['d', 'd']);
  });
  it('finds a longer cycle when a task is changed to wait for a dependent', () => {
    expect(findDependencyCycle(tasks, 'a', ['c'])).toEqual(['a', 'c', 'b', 'a']);
  });
});

describe('dependent tasks at add', () => {
  it('a task added after an unfinished one is blocked with the reason; after a ready one it is new', async () => {
    const { makeTempRepo, runCli } = await import('../../test-support/temp-repo.js');
    const repo = makeTempRepo();
    try {
      expect((await runCli(repo.root, ['add', 'API', '--prompt', 'p'])).code).toBe(0);
      expect((await runCli(repo.root, ['add', 'Client', '--prompt', 'p', '--after', 'api'])).code).toBe(0);
      const s = JSON.parse((await runCli(repo.root, ['status', '--json'])).stdout);
      const client = s.tasks.find((t: { id: string }) => t.id === 'client');
      expect(client.state).toBe('blocked');
      expect(client.reason).toBe('blocked: waiting for api');
      const unknown = await runCli(repo.root, ['add', 'X', '--prompt', 'p', '--after', 'ghost']);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('--after ghost: no such task');
    } finally {
      repo.cleanup();
    }
  });
});

describe('dependencyStartPoint', () => {
  it('starts from an unmerged dependency branch, from base once it is merged', async () => {
    const { dependencyStartPoint } = await import('./dependencies.js');
    const dep = { id: 'api', after: [], attempts: [{ branch: 'flotilla/api-a2' }], pr: null } as never;
    expect(dependencyStartPoint({ after: ['api'], base: 'main' }, [dep])).toEqual({ ref: 'flotilla/api-a2', from: 'api' });
    const merged = { id: 'api', after: [], attempts: [{ branch: 'flotilla/api-a2' }], pr: { state: 'merged', branch: 'x' } } as never;
    expect(dependencyStartPoint({ after: ['api'], base: 'main' }, [merged])).toEqual({ ref: 'main', from: null });
  });
});
