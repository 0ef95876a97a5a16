import { describe, expect, it } from 'vitest';
import type { Task } from '../core/index.js';
import { decide, type SessionView } from './decide.js';
import type { AttemptProbe } from '../git/index.js';

const probe = (o: Partial<AttemptProbe> = {}): AttemptProbe => ({
  taskId: 't', attempt: 1, worktreeExists: true, branchExists: true, baseExists: true, headSha: 'h', baseSha: 'b',
  ahead: 2, behind: 0, statusRead: true, clean: true, dirty: [], conflicts: null, problem: null, ...o,
});
const session = (o: Partial<SessionView> = {}): SessionView => ({ state: 'idle', alive: true, exitCode: null, pid: 1, ...o });
const task = (state: Task['state']) => ({ id: 't', base: 'main', state }) as Task;

describe('decide', () => {
  it('running: busy agents are left alone, finished ones move on or fail with a class', () => {
    expect(decide(task('running'), session({ state: 'working' }), probe())).toEqual({ kind: 'none' });
    expect(decide(task('running'), session({ state: null, alive: null }), probe())).toMatchObject({ kind: 'none' });
    expect(decide(task('running'), session({ state: 'waiting' }), probe())).toEqual({ kind: 'waiting' });
    expect(decide(task('running'), session(), probe())).toEqual({ kind: 'finish', reason: 'agent is idle with 2 commits' });
    expect(decide(task('running'), session({ state: 'exited', alive: false, exitCode: 0 }), probe({ ahead: 1 }))).toEqual({ kind: 'finish', reason: 'agent exited with 1 commit' });
    expect(decide(task('running'), session({ state: 'exited', alive: false, exitCode: 1 }), probe())).toMatchObject({ kind: 'fail', class: 'crashed' });
    expect(decide(task('running'), session({ state: 'working', alive: false }), probe({ ahead: 0 }))).toMatchObject({ kind: 'fail', class: 'crashed' });
    expect(decide(task('running'), session({ state: 'working', alive: false }), probe())).toMatchObject({ kind: 'finish' });
    expect(decide(task('running'), session(), probe({ ahead: 0 }))).toMatchObject({ kind: 'fail', class: 'no_progress' });
    expect(decide(task('running'), session(), probe({ clean: false, dirty: ['x'] }))).toMatchObject({ kind: 'fail', class: 'no_progress', evidence: 'agent is idle with uncommitted changes: x' });
    const now = new Date('2026-01-01T00:01:00Z');
    const grace = { now, idleGraceMs: 60_000 };
    expect(decide(task('running'), session({ since: '2026-01-01T00:00:30Z' }), probe({ ahead: 0 }), grace)).toMatchObject({ kind: 'none' });
    expect(decide(task('running'), session({ since: '2026-01-01T00:00:00Z' }), probe({ ahead: 0 }), grace)).toMatchObject({ kind: 'fail', class: 'no_progress' });
    expect(decide(task('running'), session({ since: '2026-01-01T00:00:30Z' }), probe(), grace)).toMatchObject({ kind: 'finish' });
    expect(decide(task('running'), session({ state: 'exited', alive: false, exitCode: 0, since: '2026-01-01T00:00:59Z' }), probe({ ahead: 0 }), grace)).toMatchObject({ kind: 'fail' });
  });

  it('a retry that continued the previous branch and committed nothing made no progress', () => {
    const continued = probe({ ahead: 1, headSha: 'a1tip', startSha: 'a1tip' });
    expect(decide(task('running'), session(), continued)).toEqual({
      kind: 'fail',
      class: 'no_progress',
      evidence: 'agent is idle with no commits since it started from the previous branch',
    });
    expect(decide(task('running'), session(), probe({ ahead: 2, headSha: 'a2tip', startSha: 'a1tip' }))).toMatchObject({ kind: 'finish' });
    expect(decide(task('running'), session({ state: 'working', alive: false }), continued)).toMatchObject({ kind: 'fail', class: 'crashed' });
  });

  it('checking/ready: evaluate, or back to running when the agent works again; missing worktree is a problem', () => {
    expect(decide(task('checking'), session(), probe())).toEqual({ kind: 'evaluate' });
    expect(decide(task('ready'), session({ state: 'working' }), probe())).toMatchObject({ kind: 'resume' });
    expect(decide(task('ready'), session({ state: 'working', alive: false }), probe())).toEqual({ kind: 'evaluate' });
    expect(decide(task('running'), session(), probe({ worktreeExists: false, problem: 'worktree /w was deleted' }))).toEqual({ kind: 'problem', reason: 'worktree /w was deleted' });
  });
});
