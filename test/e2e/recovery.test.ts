import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../../src/engine/index.js';
import { git, makeTempRepo, PROJECT_ROOT, type TempRepo } from '../../src/test-support/temp-repo.js';

/**
 * End to end: the scripted agent in a real session (task.start), the monitor's real checks
 * (monitor.check, which runs recovery's autoRetryPass after each pass), real git. It runs as soon
 * as the fleet has both commands (sessions and monitor merged); until then it is skipped, and
 * src/engine/recovery/recovery-flow.test.ts covers the same story with those two parts played by
 * the test.
 */

const FIXTURES = join(PROJECT_ROOT, 'test', 'fixtures', 'recovery');
const AGENT = join(FIXTURES, 'scripted-agent.mjs');

async function fleetHasCommands(types: string[]): Promise<boolean> {
  const r = makeTempRepo();
  try {
    const f = await createFleet({ cwd: r.root });
    const ok = types.every((t) => f.supports(t));
    await f.close();
    return ok;
  } finally {
    r.cleanup();
  }
}

const capable = await fleetHasCommands(['task.start', 'monitor.check']);

let repo: TempRepo;
let fleet: Fleet;
afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
});

async function setup(agentArgs: string[]) {
  repo = makeTempRepo({
    runtime: 'pty',
    profiles: { scripted: { command: ['node', AGENT, ...agentArgs, '{promptFile}'], appendContext: 'prompt', hooks: 'none', quietMs: 500 } },
    checks: [{ name: 'test', command: ['node', 'check.mjs'] }],
    gates: ['pr', 'ci'],
    forge: 'local',
    recovery: { maxAttempts: 3, maxCiRounds: 2 },
    limits: { staggerMs: 0 },
  });
  repo.write('check.mjs', readFileSync(join(FIXTURES, 'check.mjs'), 'utf8'));
  repo.commit('add the test suite');
  fleet = await createFleet({ cwd: repo.root });
  await fleet.dispatch({
    type: 'task.add',
    input: { title: 'Fix division', prompt: 'Make the math tests pass.', id: 'fix-div', agent: 'scripted', tags: ['math'] },
  });
}

const read = async () => (await fleet.registry.read()).tasks.find((t) => t.id === 'fix-div')!;

/** Runs monitor passes until the task reaches one of `states` (or the time runs out). */
async function monitorUntil(states: string[], timeoutMs = 90_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    await fleet.dispatch({ type: 'monitor.check' } as never);
    const task = await read();
    if (states.includes(task.state)) return task;
    if (Date.now() > end) throw new Error(`task still ${task.state} (${task.reason ?? ''}) after ${timeoutMs} ms`);
    await sleep(300);
  }
}

describe.runIf(capable)('recovery end to end (session runtime + monitor)', () => {
  it('attempt 1 fails CI; enriched attempt 2 starts from its branch, passes; ready; one learning', async () => {
    await setup([]);
    await fleet.dispatch({ type: 'task.start', id: 'fix-div' } as never);
    const task = await monitorUntil(['ready', 'escalated']);
    expect(task.state).toBe('ready');
    expect(task.attempts).toHaveLength(2);
    expect(task.attempts[0]!.failure?.class).toBe('ci_failed');
    expect(task.attempts[1]!.startPoint).toBe('flotilla/fix-div-a1');
    expect(task.attempts[1]!.enrichment!.text).toContain('divides by zero safely');
    git(repo.root, 'merge-base', '--is-ancestor', 'flotilla/fix-div-a1', 'flotilla/fix-div-a2');
    await fleet.dispatch({ type: 'monitor.check' } as never);
    const lines = readFileSync(fleet.paths.learningsFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ taskId: 'fix-div', class: 'ci_failed', paths: ['solution.txt'] });
  });

  it('an interactive agent that stays alive: its idle session is stopped and the retry recovers', async () => {
    await setup(['--stay']);
    await fleet.dispatch({ type: 'task.start', id: 'fix-div' } as never);
    const task = await monitorUntil(['ready', 'escalated']);
    expect(task.state).toBe('ready');
    expect(task.attempts).toHaveLength(2);
    expect(task.attempts[0]!.session?.state).toBe('exited');
    await fleet.dispatch({ type: 'task.stop', id: 'fix-div' } as never);
  });

  it('an agent that always fails: exactly maxAttempts attempts, then escalated, notified once', async () => {
    await setup(['--always-fail']);
    await fleet.dispatch({ type: 'task.start', id: 'fix-div' } as never);
    const task = await monitorUntil(['escalated', 'ready']);
    expect(task.state).toBe('escalated');
    await fleet.dispatch({ type: 'monitor.check' } as never);
    const after = await read();
    expect(after.attempts).toHaveLength(3);
    expect(Object.keys(after.notified).filter((k) => k.startsWith('escalated#'))).toHaveLength(1);
  });
});
