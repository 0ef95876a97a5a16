import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import type { ResourcesSnapshot } from '../../engine/index.js';
import { QueuePanel } from './QueuePanel.js';

const T0 = '2026-12-02T10:00:00.000Z';
const snap = (over: Partial<ResourcesSnapshot> = {}): ResourcesSnapshot => ({
  totalMB: 16384,
  availableMB: 8192,
  reserveMB: 2048,
  swapping: false,
  running: [{ id: '1', kind: 'agent', label: 'agent here', since: T0, expectedPeakMB: 1536 }],
  waiting: [],
  recommendation: { agents: 3, reason: 'free memory covers 3 more agents' },
  ...over,
});

describe('QueuePanel per host', () => {
  const hosts: ResourcesSnapshot['hosts'] = [
    { name: 'local', reachable: true, fault: null, agents: { running: 1, max: 8 }, agentsRssMB: null, freeAboveReserveMB: 6144, probedAt: T0, waiting: [] },
    { name: 'box', reachable: true, fault: null, agents: { running: 1, max: 1 }, agentsRssMB: null, freeAboveReserveMB: 3277, probedAt: T0, waiting: [{ taskId: 'second', reason: '1/1 agent slots busy' }] },
    { name: 'far', reachable: false, fault: 'auth: Permission denied (publickey).\x1b[31m', agents: { running: 0, max: 4 }, agentsRssMB: null, freeAboveReserveMB: null, probedAt: T0, waiting: [{ taskId: 'third', reason: 'unreachable (auth: Permission denied)' }] },
  ];

  it('shows each host: agents of its maximum, memory above reserve, and who waits there and why', () => {
    const frame = render(<QueuePanel available snapshot={snap({ hosts })} error={null} width={140} maxRows={10} />).lastFrame()!;
    expect(frame).toMatch(/■ local 1\/8 agents, 6\.0G free above reserve/);
    expect(frame).toMatch(/■ box 1\/1 agents, 3\.2G free above reserve ‖ second 1\/1 agent slots busy/);
    expect(frame).toMatch(/■ far unreachable \(auth: Permission denied \(publickey\)\.\) 0\/4 agents ‖ third unreachable/);
    // Host text is sanitised: the escape sequence from ssh's message never reaches the terminal.
    expect(frame).not.toContain('\x1b[31m');
    // The jobs still show below the hosts.
    expect(frame).toMatch(/▶ agent\s+agent here/);
  });

  it('without config hosts nothing changes; with few rows the hosts come before the jobs', () => {
    expect(render(<QueuePanel available snapshot={snap()} error={null} width={140} maxRows={10} />).lastFrame()).not.toMatch(/■/);
    const frame = render(<QueuePanel available snapshot={snap({ hosts })} error={null} width={140} maxRows={4} />).lastFrame()!;
    expect(frame).toMatch(/■ local/);
    expect(frame).toMatch(/■ box/);
    expect(frame).not.toMatch(/■ far/);
    expect(frame).not.toMatch(/▶ agent/);
  });
});
