import { afterEach, describe, expect, it } from 'vitest';
import { readBranchTips } from '../git/index.js';
import { addRunningTask, agentCommit, makeFleetFixture, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { holdReason, touching } from './hold.js';
import { runRadar } from './radar.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

describe('conflicts.hold', () => {
  it('matches hints against files and folders both ways', () => {
    expect(touching(['src/auth/'], ['src/auth/login.ts', 'README.md'])).toEqual(['src/auth/login.ts']);
    expect(touching(['src/a.ts'], ['src/'])).toEqual(['src/a.ts']);
    expect(touching(['src/a.ts'], ['src/b.ts'])).toEqual([]);
  });

  it('holds a task whose --files hint overlaps a running sibling, with the reason in the queue, until the sibling ends', async () => {
    fx = await makeFleetFixture({ conflicts: { hold: true } });
    const { fleet } = fx;
    const a = await addRunningTask(fleet, 'alpha');
    agentCommit(a.worktree, 'src/app.js', 'export const a = 2;\n');
    await runRadar(fleet, await fleet.registry.read(), await readBranchTips(fleet.git, fleet.paths.root));
    await fleet.dispatch({ type: 'task.add', input: { title: 'Beta', prompt: 'b', id: 'beta', files: ['./src/app.js,docs/'] } });
    await fleet.dispatch({ type: 'task.add', input: { title: 'Gamma', prompt: 'g', id: 'gamma', files: ['docs/'] } });
    const beta = (await fleet.registry.read()).tasks.find((t) => t.id === 'beta')!;
    expect(beta.files).toEqual(['docs/', 'src/app.js']);

    await expect(fleet.dispatch({ type: 'task.start', id: 'beta' })).rejects.toThrow(/held: its files overlap live alpha \(src\/app\.js\)/);
    let data = await fleet.registry.read();
    const held = data.tasks.find((t) => t.id === 'beta')!;
    expect(held.state).toBe('queued');
    expect(held.reason).toMatch(/^held: .*conflicts\.hold/);
    expect(held.attempts).toEqual([]);
    // A hint that touches nothing live is not held.
    expect(holdReason(data.tasks.find((t) => t.id === 'gamma')!, data.tasks)).toBeNull();

    await fleet.registry.updateTask('alpha', (t) => {
      t.state = 'stopped';
    });
    data = await fleet.registry.read();
    expect(holdReason(data.tasks.find((t) => t.id === 'beta')!, data.tasks)).toBeNull();
  });

  it('refuses a hint outside the repository', async () => {
    fx = await makeFleetFixture();
    await expect(fx.fleet.dispatch({ type: 'task.add', input: { title: 'x', prompt: 'x', files: ['../etc/passwd'] } })).rejects.toThrow(/--files \.\.\/etc\/passwd: must be a path inside the repository/);
  });
});
