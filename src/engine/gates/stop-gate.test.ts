import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { localGateSpecs, runStopGate } from './stop-gate.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

const node = process.execPath;

describe('runStopGate', () => {
  it('runs local custom gates and checks (not the other gates) and blocks on uncommitted work', async () => {
    fx = await makeFleetFixture({
      checks: [{ name: 'test', command: [node, '-e', ''] }],
      gates: ['pr', { name: 'fast', command: [node, '-e', ''], local: true }, { name: 'slow', command: [node, '-e', 'process.exit(1)'] }],
    });
    expect(localGateSpecs(fx.fleet).map((s) => s.name)).toEqual(['fast', 'test']);
    const wt = await addRunningTask(fx.fleet, 'dirty');
    agentCommit(wt.worktree, 'a.txt', 'a\n');
    writeFileSync(join(wt.worktree, 'b.txt'), 'not committed\n');
    const r = await runStopGate(fx.fleet, 'dirty');
    expect(r.decision).toBe('block');
    expect(r.results.map((x) => [x.name, x.state])).toEqual([['fast', 'pass'], ['test', 'pass']]);
    expect(r.text).toContain('Uncommitted changes: b.txt');
    expect((await readTask(fx.fleet, 'dirty')).attempts[0]).toMatchObject({ stopGateBlocks: 1 });
  });

  it('allows the stop when the local gates pass, without using a block', async () => {
    fx = await makeFleetFixture({ checks: [{ name: 'test', command: [node, '-e', ''] }] });
    const wt = await addRunningTask(fx.fleet, 'fine');
    agentCommit(wt.worktree, 'a.txt', 'a\n');
    const r = await runStopGate(fx.fleet, 'fine');
    expect(r).toMatchObject({ decision: 'allow', blocks: 0, text: 'stop gate: 1 local gate(s) passed' });
  });
});
