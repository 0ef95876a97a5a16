import { describe, expect, it } from 'vitest';
import { hostQueueLine, hostQueueLines } from './host-queue.js';

const T0 = '2026-12-02T10:00:00.000Z';

describe('status: one line per host', () => {
  it('agents of the maximum, memory free above reserve, each waiting task with why', () => {
    expect(
      hostQueueLine({ name: 'box', reachable: true, fault: null, agents: { running: 1, max: 1 }, agentsRssMB: null, freeAboveReserveMB: 3277, probedAt: T0, waiting: [{ taskId: 'b', reason: '1/1 agent slots busy' }, { taskId: 'c', reason: 'needs ~1.5 GB, 0.9 GB free above reserve' }] }),
    ).toBe('host box: 1/1 agents · 3.2 GB free above reserve · waiting: b (1/1 agent slots busy), c (needs ~1.5 GB, 0.9 GB free above reserve)');
    expect(hostQueueLine({ name: 'local', reachable: true, fault: null, agents: { running: 0, max: 8 }, agentsRssMB: null, freeAboveReserveMB: null, probedAt: T0, waiting: [] })).toBe('host local: 0/8 agents');
  });
  it('the RSS the probe measured of the agents there', () => {
    expect(hostQueueLine({ name: 'box', reachable: true, fault: null, agents: { running: 2, max: 4 }, agentsRssMB: 2560, freeAboveReserveMB: 1024, probedAt: T0, waiting: [] })).toBe('host box: 2/4 agents (2.5 GB measured) · 1.0 GB free above reserve');
    expect(hostQueueLine({ name: 'box', reachable: true, fault: null, agents: { running: 1, max: 4 }, agentsRssMB: 6, freeAboveReserveMB: null, probedAt: T0, waiting: [] })).toBe('host box: 1/4 agents (6 MB measured)');
  });
  it('an unreachable host says why, with control bytes from ssh removed', () => {
    expect(hostQueueLine({ name: 'far', reachable: false, fault: 'auth: Permission\x1b[2J denied\n(publickey).', agents: { running: 0, max: 4 }, agentsRssMB: null, freeAboveReserveMB: null, probedAt: T0, waiting: [] })).toBe(
      'host far: unreachable (auth: Permission denied (publickey).), 0/4 agents',
    );
  });
  it('no hosts in config: no lines', () => {
    expect(hostQueueLines(undefined)).toEqual([]);
  });
});
