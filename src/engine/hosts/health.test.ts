import { describe, expect, it } from 'vitest';
import { taskSchema, type Task } from '../core/index.js';
import { hostReasons, nextHostHealth, removedHostsInUse, removedHostsMessage, unreachableNote } from './health.js';
import type { ProbeOutcome } from './probe-hosts.js';

const at = '2026-12-02T06:00:00.000Z';
const task = (id: string, host: string | undefined, state: 'running' | 'finished' = 'running'): Task =>
  taskSchema.parse({
    id, title: id, prompt: 'p', agent: 'claude', base: 'main', state: state === 'running' ? 'running' : 'ready', stateSince: at, createdAt: at, updatedAt: at,
    attempts: [{ n: 1, branch: `flotilla/${id}-a1`, worktree: `/w/${id}-a1`, startPoint: 'main', state, createdAt: at, ...(host ? { host } : {}) }],
  });
const down = (name: string): ProbeOutcome => ({ name, ok: false, fault: 'unreachable', message: 'Connection refused', ms: 5 });
const up = (name: string): ProbeOutcome => ({ name, ok: true, ms: 5, probe: { memory: null, programs: {}, tmux: null, sessions: [], worktrees: [], worktreeRoot: null } });

describe('nextHostHealth', () => {
  const tasks = [task('a', 'box'), task('b', 'box'), task('c', undefined), task('d', 'box', 'finished')];
  it('one host-down per outage with its tasks, nothing more while it stays down, one host-back', () => {
    const first = nextHostHealth({}, [down('box'), up('local')], tasks, at);
    expect(first.events).toEqual([{ kind: 'host-down', host: 'box', since: at, fault: 'unreachable', message: 'Connection refused', tasks: ['a', 'b'] }]);
    expect(unreachableNote(first.health.box!)).toBe(`host unreachable since ${at} (Connection refused)`);
    const again = nextHostHealth(first.health, [down('box')], tasks, '2026-12-02T06:05:00.000Z');
    expect(again.events).toEqual([]);
    expect(again.health.box!.downSince).toBe(at);
    const back = nextHostHealth(again.health, [up('box')], tasks, '2026-12-02T06:10:00.000Z');
    expect(back.events).toEqual([{ kind: 'host-back', host: 'box', downSince: at, tasks: ['a', 'b'] }]);
    expect(unreachableNote(back.health.box!)).toBeNull();
  });
});

describe('hostReasons', () => {
  it('shows host unreachable since … on the live tasks of a down host, once, and clears it when the host answers', () => {
    const tasks = [task('a', 'box'), task('b', 'box'), task('c', undefined), task('x', 'other')];
    const downHealth = nextHostHealth({}, [down('box'), up('other')], tasks, at).health;
    const note = `host unreachable since ${at} (Connection refused)`;
    expect(hostReasons(tasks, downHealth)).toEqual(new Map([['a', note], ['b', note]]));
    // Already shown: nothing to write again on the next pass.
    const shown = tasks.map((t) => (t.attempts[0]!.host === 'box' ? { ...t, reason: note } : t));
    expect(hostReasons(shown, downHealth).size).toBe(0);
    const backHealth = nextHostHealth(downHealth, [up('box')], tasks, at).health;
    expect(hostReasons(shown, backHealth)).toEqual(new Map([['a', null], ['b', null]]));
    // Another reason (set by a state change) is not touched.
    expect(hostReasons([{ ...tasks[0]!, reason: 'agent is working again' }], backHealth).size).toBe(0);
  });
});

describe('removedHostsInUse', () => {
  it('names the hosts config lost while tasks still run there, with their ids', () => {
    const tasks = [task('a', 'box'), task('b', 'gone'), task('c', 'gone'), task('d', undefined), task('e', 'old', 'finished')];
    const removed = removedHostsInUse({ hosts: { box: { ssh: 'b', port: 22, maxAgents: 1, maxBuilds: 2, memReserveMB: 0, env: {} } } }, tasks);
    expect(removed).toEqual([{ host: 'gone', tasks: ['b', 'c'] }]);
    expect(removedHostsMessage(removed)).toBe('host gone still runs b, c, but config has no such host: put it back under "hosts" (then stop those tasks with `flotilla stop b c` before removing it)');
    expect(removedHostsMessage([])).toBeNull();
  });
});
