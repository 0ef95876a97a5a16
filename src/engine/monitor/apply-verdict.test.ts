import { describe, expect, it } from 'vitest';
import type { GateResult, PullRequest, Task } from '../core/index.js';
import type { GateVerdict } from '../gates/index.js';
import { newAttempt, newTask } from '../tasks/index.js';
import { applyVerdict } from './apply-verdict.js';

const now = new Date('2026-01-02T00:00:00.000Z');

function checkingTask(o: { headSha?: string; checks?: { name: string; state: string }[]; gates?: Record<string, GateResult> } = {}): Task {
  const task = newTask({ id: 't', title: 't', prompt: 'p', agent: 'claude', base: 'main', state: 'checking' }, '2026-01-01T00:00:00.000Z');
  const attempt = newAttempt({ n: 1, branch: 'flotilla/t-a1', worktree: '/wt/t-a1', startPoint: 'main' });
  attempt.state = 'running';
  task.attempts.push(attempt);
  task.pr = { headSha: o.headSha ?? 'h1', checks: o.checks ?? [] } as unknown as PullRequest;
  task.gates = o.gates ?? {};
  return task;
}

const gate = (state: GateResult['state'], headSha = 'h1'): GateResult => ({ state, detail: state, headSha }) as GateResult;
const verdict = (v: GateVerdict['verdict'], results: Record<string, GateResult>, failure: GateVerdict['failure'] = null): GateVerdict => ({ verdict: v, results, failure });

describe('applyVerdict', () => {
  it('all gates passing makes the task ready, finishes the attempt and asks for the ready notice once', () => {
    const t = checkingTask();
    const out = applyVerdict(t, t.attempts[0]!, { headSha: 'h1', hasPr: true, ciSeen: null, verdict: verdict('pass', { pr: gate('pass'), ci: gate('pass') }), now });
    expect(out).not.toBe('stale');
    expect(out && out !== 'stale' ? out.ready : null).toBe(true);
    expect(t.state).toBe('ready');
    expect(t.attempts[0]!.state).toBe('finished');
    expect(out && out !== 'stale' ? out.lines.map((l) => l.what) : []).toEqual(['state', 'gate', 'ci']);
    t.notified['ready#1'] = now.toISOString();
    const again = applyVerdict(t, t.attempts[0]!, { headSha: 'h1', hasPr: true, ciSeen: null, verdict: verdict('pass', { pr: gate('pass'), ci: gate('pass') }), now });
    expect(again && again !== 'stale' ? again.ready : null).toBe(false);
  });

  it('a failing gate fails the attempt and the task with the class and evidence', () => {
    const t = checkingTask();
    applyVerdict(t, t.attempts[0]!, { headSha: 'h1', hasPr: true, ciSeen: null, verdict: verdict('fail', { ci: gate('fail') }, { class: 'ci_failed', evidence: 'test x failed', gate: 'ci' }), now });
    expect(t.state).toBe('failed');
    expect(t.attempts[0]!.failure).toEqual({ class: 'ci_failed', evidence: 'test x failed', at: now.toISOString() });
  });

  it('a pending gate moves a ready task back to checking', () => {
    const t = checkingTask();
    t.state = 'ready';
    applyVerdict(t, t.attempts[0]!, { headSha: 'h1', hasPr: true, ciSeen: null, verdict: verdict('pending', { ci: gate('pending') }), now });
    expect(t.state).toBe('checking');
  });

  it('leaves the verdict to a later pass when the record shows a newer head', () => {
    const t = checkingTask({ headSha: 'h2' });
    expect(applyVerdict(t, t.attempts[0]!, { headSha: 'h1', hasPr: true, ciSeen: null, verdict: verdict('pass', { pr: gate('pass') }), now })).toBeNull();
    expect(t.state).toBe('checking');
    expect(t.gates).toEqual({});
  });

  it('is stale when another process settled this head meanwhile, keeping only the gates this pass settled', () => {
    const t = checkingTask({ gates: { ci: gate('pass') } });
    const out = applyVerdict(t, t.attempts[0]!, { headSha: 'h1', hasPr: true, ciSeen: null, verdict: verdict('pending', { ci: gate('pending'), lint: gate('fail') }), now });
    expect(out).toBe('stale');
    expect(t.state).toBe('checking');
    expect(t.gates).toEqual({ ci: gate('pass'), lint: gate('fail') });
    const moved = checkingTask({ checks: [{ name: 'test', state: 'pass' }] });
    expect(applyVerdict(moved, moved.attempts[0]!, { headSha: 'h1', hasPr: true, ciSeen: 'test=pending', verdict: verdict('pass', {}), now })).toBe('stale');
  });
});
