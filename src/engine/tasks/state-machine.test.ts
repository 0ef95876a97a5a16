import { describe, expect, it } from 'vitest';
import type { Task } from '../core/index.js';
import { TransitionError, transition } from './state-machine.js';

function task(): Task {
  const now = '2026-01-01T00:00:00.000Z';
  return {
    id: 't', title: 'T', prompt: 'p', agent: 'demo', base: 'main', tags: [], after: [], context: [],
    state: 'new', stateSince: now, reason: null, createdAt: now, updatedAt: now, attempts: [], gates: {},
    pr: null, cost: null, notified: {}, history: [],
  };
}

describe('task state machine', () => {
  it('records each transition with a timestamp and reason', () => {
    const t = task();
    transition(t, 'running', null, new Date('2026-01-01T00:01:00Z'));
    transition(t, 'checking', 'PR #1 opened', new Date('2026-01-01T00:02:00Z'));
    expect(t.state).toBe('checking');
    expect(t.stateSince).toBe('2026-01-01T00:02:00.000Z');
    expect(t.history).toEqual([
      { at: '2026-01-01T00:01:00.000Z', from: 'new', to: 'running' },
      { at: '2026-01-01T00:02:00.000Z', from: 'running', to: 'checking', reason: 'PR #1 opened' },
    ]);
  });

  it('refuses an impossible transition and leaves the task alone', () => {
    const t = task();
    expect(() => transition(t, 'ready')).toThrow(TransitionError);
    expect(t.state).toBe('new');
    expect(t.history).toEqual([]);
  });

  it('the same state again only updates the reason', () => {
    const t = task();
    transition(t, 'blocked', 'waiting for a');
    transition(t, 'blocked', 'waiting for b');
    expect(t.history).toHaveLength(1);
    expect(t.reason).toBe('waiting for b');
  });
});
