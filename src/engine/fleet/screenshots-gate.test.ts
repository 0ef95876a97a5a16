import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, setSession, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { runMonitorPass } from '../monitor/index.js';
import { composePrompt, definitionOfDone } from '../prompt/index.js';
import { parseConfig } from '../config/index.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

const passReview = async () => ({ state: 'pass' as const, detail: 'ok' });

describe('screenshots gate (issue 20 item 11)', () => {
  it('the folder the worker is told about is the one the gate reads, and the local PR body shows the image', async () => {
    fx = await makeFleetFixture({ forge: 'local', gates: ['pr', 'reviews', { name: 'screenshots', uiGlobs: ['src/ui/**'] }] });
    const wt = await addRunningTask(fx.fleet, 'ui');
    mkdirSync(join(wt.worktree, 'src/ui'), { recursive: true });
    agentCommit(wt.worktree, 'src/ui/Button.tsx', 'export {}\n');
    await setSession(fx.fleet, 'ui', { state: 'idle', pid: process.pid });
    await runMonitorPass(fx.fleet, { gates: { reviews: passReview } });
    let task = await readTask(fx.fleet, 'ui');
    expect(task.gates.screenshots).toMatchObject({ state: 'fail' });

    // What the worker was told, exactly as its prompt says it (was: a relative path the gate never read).
    const { prompt } = await composePrompt({ paths: fx.fleet.paths, config: fx.fleet.config, task, attempt: task.attempts[0]! });
    const told = /save a screenshot \([^)]*\) in (\/\S+)\//.exec(prompt)?.[1];
    expect(told).toBe(join(wt.worktree, '.flotilla', 'screenshots'));
    expect(task.gates.screenshots!.detail).toContain(told!);

    // The worker saves one there (in its own worktree, not committed), then commits once more.
    mkdirSync(told!, { recursive: true });
    writeFileSync(join(told!, 'button after.png'), 'png');
    agentCommit(wt.worktree, 'src/ui/Button.tsx', 'export const b = 1;\n');
    await fx.fleet.registry.updateTask('ui', (t) => {
      t.state = 'checking';
      t.attempts[0]!.failure = null;
    });
    await runMonitorPass(fx.fleet, { gates: { reviews: passReview } });
    task = await readTask(fx.fleet, 'ui');
    expect(task.gates.screenshots).toMatchObject({ state: 'pass' });
    expect(task.pr!.body).toContain(`![button after.png](file://${encodeURI(join(told!, 'button after.png'))})`);
    expect(task.state).toBe('ready');
  });
});

describe('definition of done: the ci sentence says what is true', () => {
  it('no checks configured: never "Every configured check must pass"', () => {
    for (const forge of ['local', 'auto', 'github'] as const) {
      const text = definitionOfDone(parseConfig('/c', { forge, gates: ['pr', 'ci'] }), 't');
      expect(text).not.toContain('Every configured check must pass');
    }
    expect(definitionOfDone(parseConfig('/c', { forge: 'local', gates: ['ci'] }), 't')).toContain('No CI checks are configured');
    expect(definitionOfDone(parseConfig('/c', { forge: 'github', gates: ['ci'] }), 't')).toContain('Every check GitHub runs on the pull request must pass');
  });

  it('checks configured: names each command', () => {
    const text = definitionOfDone(parseConfig('/c', { gates: ['ci'], checks: [{ name: 't', command: ['npm', 'test'] }] }), 't');
    expect(text).toContain('Every configured check must pass: `npm test`.');
  });
});
