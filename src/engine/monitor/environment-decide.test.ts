import { describe, expect, it } from 'vitest';
import type { Task } from '../core/index.js';
import { decideEnvironment, decidePaused, pauseTimeText } from './environment-decide.js';
import type { SessionView } from './decide.js';

const NOW = new Date('2026-12-02T10:00:00Z');
const at = (min: number) => new Date(NOW.getTime() + min * 60_000);

function paused(until: Date): Task {
  return {
    state: 'paused',
    attempts: [],
    pause: { until: until.toISOString(), named: true, reason: 'plan_limit', message: "You've hit your limit", attempt: 1, since: NOW.toISOString() },
  } as unknown as Task;
}
const session = (s: Partial<SessionView>): SessionView => ({ state: 'waiting', alive: true, exitCode: null, pid: 1, since: NOW.toISOString(), ...s });

describe('decideEnvironment', () => {
  it('an environment failure fails the attempt with the agent\'s words', () => {
    expect(decideEnvironment({ kind: 'environment', reason: 'auth', message: 'Not logged in · Please run /login' }, NOW, 900)).toEqual({
      kind: 'environment',
      message: 'Not logged in · Please run /login',
      evidence: 'not logged in, or the API key was refused: the agent said "Not logged in · Please run /login"',
    });
    expect(decideEnvironment(null, NOW, 900)).toEqual({ kind: 'none' });
  });

  it('a limit pauses until the named time; without one (or one already past), for the backoff', () => {
    const named = decideEnvironment({ kind: 'usage_limit', reason: 'plan_limit', message: 'm', resetAt: at(300).toISOString() }, NOW, 900);
    expect(named).toEqual({ kind: 'pause', pause: { until: at(300).toISOString(), named: true, reason: 'plan_limit', message: 'm', since: NOW.toISOString() } });
    const none = decideEnvironment({ kind: 'usage_limit', reason: 'overloaded', message: 'API Error: 529', resetAt: null }, NOW, 900);
    expect(none).toMatchObject({ kind: 'pause', pause: { until: at(15).toISOString(), named: false, reason: 'overloaded' } });
    const past = decideEnvironment({ kind: 'usage_limit', reason: 'plan_limit', message: 'm', resetAt: at(-5).toISOString() }, NOW, 60);
    expect(past).toMatchObject({ kind: 'pause', pause: { until: at(1).toISOString(), named: false } });
  });
});

describe('decidePaused', () => {
  it('waits until the reset time, then sends continue to a live agent or starts the attempt again', () => {
    expect(decidePaused(paused(at(60)), session({}), at(59), true)).toMatchObject({ kind: 'none' });
    expect(decidePaused(paused(at(60)), session({}), at(60), true)).toEqual({ kind: 'resume', how: 'send' });
    expect(decidePaused(paused(at(60)), session({ state: 'idle' }), at(61), true)).toEqual({ kind: 'resume', how: 'send' });
    expect(decidePaused(paused(at(60)), session({ state: 'exited', alive: false, exitCode: 1 }), at(61), true)).toEqual({ kind: 'resume', how: 'restart' });
  });

  it('with auto-resume off it stays paused for the human once due', () => {
    expect(decidePaused(paused(at(60)), session({}), at(30), false)).toMatchObject({ kind: 'none' });
    expect(decidePaused(paused(at(60)), session({}), at(61), false)).toEqual({ kind: 'due' });
  });

  it('an agent working again since the pause (the human typed to it) runs again at once', () => {
    expect(decidePaused(paused(at(60)), session({ state: 'working', since: at(5).toISOString() }), at(6), true)).toEqual({ kind: 'resumed', reason: 'the agent works again' });
    // A late hook or redraw that changed waiting/idle is not a resume.
    expect(decidePaused(paused(at(60)), session({ state: 'idle', since: at(5).toISOString() }), at(6), true)).toMatchObject({ kind: 'none' });
    // The human typed to it, and its turn ended again before this pass: the task runs again.
    const typed = { ...paused(at(60)), attempts: [{ interventions: [{ at: at(4).toISOString(), kind: 'send' }] }] } as unknown as Task;
    expect(decidePaused(typed, session({ state: 'waiting', since: at(5).toISOString() }), at(6), true)).toEqual({ kind: 'resumed', reason: 'you typed to the agent' });
    // Working since before the pause (a stale record): not a resume.
    expect(decidePaused(paused(at(60)), session({ state: 'working', since: at(-5).toISOString() }), at(6), true)).toMatchObject({ kind: 'none' });
  });

  it('shows the time on this machine\'s clock, with the day when not today', () => {
    const local = new Date(2026, 11, 2, 9, 0);
    expect(pauseTimeText(new Date(2026, 11, 2, 15, 4).toISOString(), local)).toBe('15:04');
    expect(pauseTimeText(new Date(2026, 11, 5, 7, 0).toISOString(), local)).toBe('Dec 5 07:00');
    expect(pauseTimeText('garbage', local)).toBe('garbage');
  });
});
