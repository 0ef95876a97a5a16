import { afterEach, describe, expect, it } from 'vitest';
import { readBranchTips } from '../git/index.js';
import { runMonitorPass } from '../monitor/index.js';
import { addRunningTask, agentCommit, makeFleetFixture, type FleetFixture } from '../../test-support/fleet-fixture.js';
import { runRadar } from './radar.js';
import { recommendedOrder } from './pairs.js';
import { noticeMergeOrder } from './merge-order.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

const LINES = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
const withLine = (i: number, text: string) => `${LINES.map((l, k) => (k === i ? text : l)).join('\n')}\n`;

async function threeSiblings() {
  fx = await makeFleetFixture();
  fx.repo.write('src/list.txt', `${LINES.join('\n')}\n`);
  fx.repo.commit('list');
  const a = await addRunningTask(fx.fleet, 'alpha');
  const b = await addRunningTask(fx.fleet, 'bravo');
  const c = await addRunningTask(fx.fleet, 'charlie');
  agentCommit(a.worktree, 'src/list.txt', withLine(0, 'alpha was here'));
  agentCommit(b.worktree, 'src/list.txt', withLine(0, 'bravo was here'));
  agentCommit(c.worktree, 'src/list.txt', withLine(11, 'charlie was here'));
  agentCommit(c.worktree, 'src/other.txt', 'only charlie\n');
  return { a, b, c };
}

describe('conflict radar', () => {
  it('finds files both changed, which pairs conflict, and caches by heads', async () => {
    const { c } = await threeSiblings();
    const { fleet } = fx!;
    const tips = await readBranchTips(fleet.git, fleet.paths.root);
    const first = await runRadar(fleet, await fleet.registry.read(), tips);
    expect(first).toMatchObject({ live: 3, overlapping: 3, conflicting: 1 });
    // One diff per attempt, one merge-tree per overlapping pair.
    expect(first.gitProcesses).toBe(6);
    const data = await fleet.registry.read();
    const of = (id: string) => data.tasks.find((t) => t.id === id)!.overlaps;
    expect(of('alpha')).toEqual([
      expect.objectContaining({ task: 'bravo', files: ['src/list.txt'], conflicts: ['src/list.txt'] }),
      expect.objectContaining({ task: 'charlie', files: ['src/list.txt'], conflicts: [] }),
    ]);
    expect(of('charlie')!.map((o) => [o.task, o.conflicts.length])).toEqual([['alpha', 0], ['bravo', 0]]);

    // Nothing moved: no git process at all, even without the in-memory cache (the registry has it).
    const again = await runRadar(fleet, await fleet.registry.read(), tips);
    expect(again.gitProcesses).toBe(0);

    // One head moved: one diff for it and one merge-tree per pair it is in.
    agentCommit(c.worktree, 'src/third.txt', 'more\n');
    const moved = await runRadar(fleet, await fleet.registry.read(), await readBranchTips(fleet.git, fleet.paths.root));
    expect(moved.gitProcesses).toBe(3);
  });

  it('a monitor pass fills overlaps and drops them once a task is no longer live', async () => {
    await threeSiblings();
    const { fleet } = fx!;
    const result = await runMonitorPass(fleet, { forge: { kind: 'local', ensurePr: async () => ({ degraded: 'test' }), ci: async () => ({ degraded: 'test' }) } });
    expect(result.radar).toMatchObject({ live: 3, overlapping: 3, conflicting: 1 });
    await fleet.registry.updateTask('bravo', (t) => {
      t.state = 'stopped';
    });
    await runMonitorPass(fleet, { forge: { kind: 'local', ensurePr: async () => ({ degraded: 'test' }), ci: async () => ({ degraded: 'test' }) } });
    const data = await fleet.registry.read();
    expect(data.tasks.find((t) => t.id === 'bravo')!.overlaps).toBeUndefined();
    expect(data.tasks.find((t) => t.id === 'alpha')!.overlaps!.map((o) => o.task)).toEqual(['charlie']);
  });

  it('recommends merging the sibling that became ready first, the conflicting one after', async () => {
    await threeSiblings();
    const { fleet } = fx!;
    await runRadar(fleet, await fleet.registry.read(), await readBranchTips(fleet.git, fleet.paths.root));
    await fleet.registry.update((d) => {
      const at = { alpha: '2026-01-01T00:00:03Z', bravo: '2026-01-01T00:00:01Z', charlie: '2026-01-01T00:00:02Z' } as Record<string, string>;
      for (const t of d.tasks) {
        t.state = 'ready';
        t.stateSince = at[t.id]!;
      }
    });
    const ready = (await fleet.registry.read()).tasks;
    expect(recommendedOrder(ready).map((t) => t.id)).toEqual(['bravo', 'charlie', 'alpha']);
    // The human is told once, on the one to wait, which to merge first.
    const sent = await noticeMergeOrder(fleet, await fleet.registry.read());
    expect(sent).toEqual([expect.stringMatching(/^alpha: conflicts with bravo in src\/list\.txt: merge bravo first \(flotilla merge bravo alpha\); alpha will be rebased on it after$/)]);
    expect(await noticeMergeOrder(fleet, await fleet.registry.read())).toEqual([]);
    expect((await fleet.registry.read()).tasks.find((t) => t.id === 'alpha')!.notified['merge-order#1']).toBeTruthy();
  });
});
