import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, setSession, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { createMonitor } from './monitor.js';
import type { PassResult } from '../core/index.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

describe('monitor loop', () => {
  it('after-pass steps see the result and may move tasks; what needs the human is read after them', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    await addRunningTask(fx.fleet, 'idle');
    await setSession(fx.fleet, 'idle', { state: 'idle', pid: process.pid, since: '2026-01-01T00:00:00.000Z' });
    const seen: PassResult[] = [];
    fx.fleet.monitor.afterPass(async (r) => {
      seen.push(r);
      // A recovery-like step: escalate what failed.
      await fx!.fleet.registry.updateTask('idle', (t) => {
        if (t.state === 'failed') t.state = 'escalated';
      });
    });
    const result = await fx.fleet.dispatch({ type: 'monitor.check' });
    expect(seen[0]!.changes.some((c) => c.message.startsWith('no_progress'))).toBe(true);
    expect(result.needsHuman.map((h) => h.why)).toEqual(['escalated']);
    expect(fx.fleet.store.getState().tasks[0]!.state).toBe('escalated');
  });

  it('a gate evaluator plugged in later is used; stop cancels a running check, which runs again on the next pass', async () => {
    fx = await makeFleetFixture({ forge: 'local', checks: [{ name: 'slow', command: ['sleep', '30'], timeoutSec: 60 }] });
    const wt = await addRunningTask(fx.fleet, 's');
    agentCommit(wt.worktree, 's.txt', 's\n');
    await setSession(fx.fleet, 's', { state: 'idle', pid: process.pid });
    const monitor = createMonitor(fx.fleet, { intervalMs: 60_000 });
    monitor.setGateEvaluator('reviews', async () => ({ state: 'fail', detail: 'blocking finding' }));
    let changed = 0;
    fx.fleet.events.on((e) => {
      if (e.type === 'monitor.change') changed += 1;
    });
    monitor.start();
    // Wait until the check is claimed and running, then stop.
    for (let i = 0; i < 200 && (await readTask(fx.fleet, 's')).pr?.checks[0]?.state !== 'pending'; i++) await new Promise((r) => setTimeout(r, 25));
    await monitor.stop();
    let task = await readTask(fx.fleet, 's');
    expect(task.state).toBe('checking');
    expect(task.pr!.checks[0]!.state).toBe('pending');
    expect((task.pr as { ciClaim?: unknown }).ciClaim).toBeNull();
    expect(changed).toBeGreaterThan(0);

    // Next process, quick check this time: it runs again, and the plugged reviews gate decides.
    const again = createMonitor(fx.fleet, { spawn: async (spec, o) => ({ name: spec.name, state: 'pass', exitCode: 0, timedOut: false, durationMs: 1, tail: '', detail: 'ok', log: o.logFile }) });
    again.setGateEvaluator('reviews', async () => ({ state: 'fail', detail: 'blocking finding' }));
    await again.runPass();
    task = await readTask(fx.fleet, 's');
    expect(task.gates.ci).toMatchObject({ state: 'pass' });
    expect(task.gates.reviews).toMatchObject({ state: 'fail', detail: 'blocking finding' });
    expect(task.attempts[0]!.failure).toMatchObject({ class: 'review_flagged' });
  });
});
