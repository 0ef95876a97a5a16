import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../fleet/index.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';

// The agent writes what it was given, then exits.
const AGENT = "require('fs').writeFileSync('agent-env.txt', [process.env.PORT, process.env.API_PORT, process.env.FLOTILLA_SLOT, process.env.COMPOSE_PROJECT_NAME].join(' '))";

let repo: TempRepo | undefined;
let fleet: Fleet | undefined;
let savedData: string | undefined;
beforeEach(() => {
  savedData = process.env.XDG_DATA_HOME;
});
afterEach(async () => {
  await fleet?.close();
  repo?.cleanup();
  fleet = undefined;
  repo = undefined;
  if (savedData === undefined) delete process.env.XDG_DATA_HOME;
  else process.env.XDG_DATA_HOME = savedData;
});

async function waitFor<T>(what: string, fn: () => T | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('ports of attempts in a real fleet', () => {
  it('ten live attempts get distinct ports and compose names in their agents; rm gives the ports back', async () => {
    const portBase = 40000 + (process.pid % 500) * 20;
    repo = makeTempRepo({
      runtime: 'pty',
      defaultAgent: 'envdump',
      profiles: { envdump: { command: ['node', '-e', AGENT] } },
      env: { ports: ['PORT', 'API_PORT'], portBase, portStride: 2 },
      limits: { maxAgents: 10, staggerMs: 0, defaultPeakMB: { agent: 1, check: 1, install: 1, review: 1, build: 1 } },
    });
    process.env.XDG_DATA_HOME = join(repo.dir, 'data');
    fleet = await createFleet({ cwd: repo.root });
    const ids = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
    for (const id of ids) await fleet.dispatch({ type: 'task.add', input: { title: id, prompt: 'serve', id } });
    // Started one after another (concurrent `git worktree add` in one repository is racy in git
    // itself); all ten are live at once. Concurrent slot requests are covered in attempt-env.test.ts.
    for (const id of ids) await fleet.dispatch({ type: 'task.start', id });

    const data = await fleet.registry.read();
    const attempts = ids.map((id) => ({ id, a: data.tasks.find((t) => t.id === id)!.attempts[0]! }));
    // The agents run in this process; wait until each has written its file.
    await waitFor('agents', () => (attempts.every(({ a }) => existsSync(join(a.worktree, 'agent-env.txt'))) ? true : undefined));
    const seen = attempts.map(({ id, a }) => ({ id, a, line: readFileSync(join(a.worktree, 'agent-env.txt'), 'utf8') }));
    const ports = seen.flatMap((s) => [s.a.ports!.PORT!, s.a.ports!.API_PORT!]);
    expect(new Set(ports).size).toBe(20);
    for (const s of seen) {
      expect(s.line).toBe(`${s.a.ports!.PORT} ${s.a.ports!.API_PORT} ${s.a.slot} repo-${s.id}-a1`);
    }

    const slotsFile = join(repo.dir, 'data', 'flotilla', 'slots.json');
    const leases = () => (JSON.parse(readFileSync(slotsFile, 'utf8')) as { leases: { task: string }[] }).leases.map((l) => l.task);
    expect(leases().sort()).toEqual([...ids].sort());
    await fleet.dispatch({ type: 'task.remove', id: 'svc-3' });
    expect(leases()).not.toContain('svc-3');
    expect(leases()).toHaveLength(9);
  });
});
