import { describe, expect, it } from 'vitest';
import { newAttempt, newTask } from './factory.js';
import { parseRegistry } from './registry.js';

const places = { worktreeRoot: '/wt', repoRoot: '/repo' };

function file(attempt: Record<string, unknown>, task: Record<string, unknown> = {}): string {
  const a = { ...newAttempt({ n: 1, branch: 'flotilla/t-a1', worktree: '/wt/t-a1', startPoint: 'main' }, 'x'), ...attempt };
  return JSON.stringify({ version: 2, nextPr: 1, tasks: [{ ...newTask({ id: 't', title: 'T', prompt: 'p', agent: 'a', base: 'main' }, 'x'), attempts: [a], ...task }] });
}

describe('the host of an attempt in the registry', () => {
  it('keeps a remote worktree outside the local worktree root, and the pin', () => {
    const data = parseRegistry('tasks.json', file({ host: 'box1', worktree: '/srv/wt/repo-1/t-a1' }, { host: 'box1' }), places);
    expect(data.tasks[0]!.attempts[0]!.host).toBe('box1');
    expect(data.tasks[0]!.host).toBe('box1');
  });
  it('refuses a bad host name, "local" written as a host, a relative remote path, and a local attempt outside the root', () => {
    expect(() => parseRegistry('tasks.json', file({ host: 'Box 1' }), places)).toThrow(/tasks\.0\.attempts\.0\.host: not a host name/);
    expect(() => parseRegistry('tasks.json', file({ host: 'local' }), places)).toThrow(/this machine is written as no host/);
    expect(() => parseRegistry('tasks.json', file({ host: 'box1', worktree: 'wt/../t-a1' }), places)).toThrow(/is not an absolute path on host box1/);
    expect(() => parseRegistry('tasks.json', file({ host: 'box1', worktree: '/srv/../etc' }), places)).toThrow(/is not an absolute path on host box1/);
    expect(() => parseRegistry('tasks.json', file({ worktree: '/srv/wt/t-a1' }), places)).toThrow(/is not under the worktree root/);
  });
});
