import { afterEach, expect, it } from 'vitest';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { TaskRegistry } from '../tasks/index.js';
import { createFleet, type Fleet } from './create-fleet.js';

let repo: TempRepo | null = null;
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.close();
  fleet = null;
  repo?.cleanup();
  repo = null;
});

/**
 * Counts, from now on, the registry changes asked for by the commands themselves and the files
 * written. Not counted: updateTask, and the status wiring's batched session records (the sessions
 * record their own exit, through sessions/status-wiring.ts).
 */
function countWrites(f: Fleet): { own: number; files(): number; reset(): void } {
  let all = 0;
  let viaTask = 0;
  const registry = f.registry as TaskRegistry;
  let files = registry.writes;
  const update = f.registry.update.bind(f.registry);
  const updateTask = f.registry.updateTask.bind(f.registry);
  f.registry.update = ((change: Parameters<typeof update>[0]) => {
    if (!new Error().stack?.includes('status-wiring')) all++;
    return update(change);
  }) as typeof f.registry.update;
  f.registry.updateTask = ((id: string, change: Parameters<typeof updateTask>[1]) => {
    viaTask++;
    return updateTask(id, change);
  }) as typeof f.registry.updateTask;
  return {
    get own() {
      return all - viaTask;
    },
    files: () => registry.writes - files,
    reset() {
      all = viaTask = 0;
      files = registry.writes;
    },
  };
}

// Three real agents started and stopped: generous on a slow, shared machine.
it('stops several tasks with one registry write, each outcome its own; removes several with one write', { timeout: 90_000 }, async () => {
  repo = makeTempRepo({ runtime: 'pty', shared: { nodeModules: false }, profiles: { catty: { command: ['bash', '-c', 'cat'], quietMs: 200 } } });
  fleet = await createFleet({ cwd: repo.root, sessions: { runtime: 'pty' } });
  for (const id of ['a', 'b', 'c', 'never']) await fleet.dispatch({ type: 'task.add', input: { title: id, id, agent: 'catty', prompt: 'hello' } });
  await fleet.dispatch({ type: 'task.add', input: { title: 'd', id: 'd', agent: 'catty', prompt: 'hello', after: ['c'] } });
  for (const id of ['a', 'b', 'c']) await fleet.dispatch({ type: 'task.start', id });

  const writes = countWrites(fleet);
  const outcomes = await fleet.dispatch({ type: 'task.stop-many', ids: ['a', 'b', 'nosuch', 'c', 'never'] });
  // One change for the three stops; the sessions' exit records may share its write or not.
  expect(writes.own).toBe(1);
  expect(writes.files()).toBeGreaterThanOrEqual(1);
  expect(writes.files()).toBeLessThanOrEqual(4);
  expect(outcomes).toEqual([
    { id: 'a', ok: true, state: 'stopped' },
    { id: 'b', ok: true, state: 'stopped' },
    { id: 'nosuch', ok: false, error: 'no task "nosuch" (see `flotilla status`)', usage: true },
    { id: 'c', ok: true, state: 'stopped' },
    { id: 'never', ok: false, error: 'task never was never started, nothing to stop (flotilla start never starts it)', usage: true },
  ]);
  const data = await fleet.registry.read();
  for (const id of ['a', 'b', 'c']) {
    const task = data.tasks.find((t) => t.id === id)!;
    expect(task.state).toBe('stopped');
    expect(task.attempts.at(-1)!.state).toBe('stopped');
    expect((task.attempts.at(-1)!.interventions ?? []).map((i) => i.kind)).toEqual(['stop']);
  }
  expect(data.tasks.find((t) => t.id === 'never')!.state).toBe('new');
  // The store follows: the view and the CLI read the new states from it.
  expect(fleet.store.getState().tasks.filter((t) => t.state === 'stopped').map((t) => t.id)).toEqual(['a', 'b', 'c']);

  // c is still needed by d when its turn comes; d goes, then nothing depends on c any more.
  writes.reset();
  const removed = await fleet.dispatch({ type: 'task.remove-many', ids: ['a', 'c', 'd', 'b'] });
  expect(writes.own).toBe(1);
  expect(writes.files()).toBe(1);
  expect(removed).toEqual([
    { id: 'a', ok: true },
    { id: 'c', ok: false, error: 'task "c" is a dependency of d; remove those first', usage: true },
    { id: 'd', ok: true },
    { id: 'b', ok: true },
  ]);
  expect((await fleet.registry.read()).tasks.map((t) => t.id)).toEqual(['c', 'never']);
  // One id on its own still throws its error, as before.
  await expect(fleet.dispatch({ type: 'task.stop', id: 'never' })).rejects.toThrow(/never started/);
  await expect(fleet.dispatch({ type: 'task.remove', id: 'gone' })).rejects.toThrow(/no task "gone"/);
});
