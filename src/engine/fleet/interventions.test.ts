import { afterEach, expect, it } from 'vitest';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { createFleet, type Fleet } from './create-fleet.js';

let repo: TempRepo | null = null;
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.close();
  fleet = null;
  repo?.cleanup();
  repo = null;
});

async function interventions(f: Fleet, id: string): Promise<string[]> {
  const task = (await f.registry.read()).tasks.find((t) => t.id === id)!;
  const list = (task.attempts.at(-1) as { interventions?: Array<{ kind: string }> }).interventions ?? [];
  return list.map((i) => i.kind);
}

it('counts a human send and stop as interventions on the latest attempt, once each', async () => {
  repo = makeTempRepo({ runtime: 'pty', shared: { nodeModules: false }, profiles: { catty: { command: ['bash', '-c', 'cat'], quietMs: 200 } } });
  fleet = await createFleet({ cwd: repo.root, sessions: { runtime: 'pty' } });
  await fleet.dispatch({ type: 'task.add', input: { title: 'talk', id: 'talk', agent: 'catty', prompt: 'hello' } });
  await fleet.dispatch({ type: 'task.start', id: 'talk' });
  expect(await interventions(fleet, 'talk')).toEqual([]);
  await fleet.dispatch({ type: 'task.send', id: 'talk', text: 'a nudge' });
  expect(await interventions(fleet, 'talk')).toEqual(['send']);
  await fleet.dispatch({ type: 'task.stop', id: 'talk' });
  expect(await interventions(fleet, 'talk')).toEqual(['send', 'stop']);
});
