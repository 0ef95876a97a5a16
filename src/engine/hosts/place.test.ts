import { describe, expect, it } from 'vitest';
import { placeTask, type HostSituation } from './place.js';

const host = (name: string, over: Partial<HostSituation> = {}): HostSituation => ({
  name,
  reachable: true,
  maxAgents: 4,
  reserveMB: 1024,
  memory: { totalMB: 16384, availableMB: 8192 },
  running: [],
  installed: new Set(['claude', 'git', 'tmux']),
  ...over,
});
const agent = (expectedPeakMB: number, rssMB: number) => ({ kind: 'agent' as const, expectedPeakMB, rssMB });
const req = { program: 'claude', expectedPeakMB: 1500 };

describe('placeTask', () => {
  it('picks the host with the most memory free above its reserve', () => {
    const hosts = [host('local', { memory: { totalMB: 16384, availableMB: 6000 } }), host('box', { memory: { totalMB: 65536, availableMB: 9000 }, reserveMB: 4096 }), host('big')];
    // local 6000-1024=4976, box 9000-4096=4904, big 8192-1024=7168
    expect(placeTask(hosts, req)).toEqual({ host: 'big', freeMB: 7168 });
  });
  it("counts the running agents' expected growth, as the admission queue does", () => {
    const hosts = [host('a', { running: [agent(2000, 200), agent(2000, 300)] }), host('b', { memory: { totalMB: 16384, availableMB: 6000 } })];
    // a: 8192-1024-(1800+1700)=3668; b: 6000-1024=4976
    expect(placeTask(hosts, req)).toMatchObject({ host: 'b' });
  });
  it('skips hosts without a free slot, without the CLI, unreachable or short of memory, saying why for each', () => {
    const hosts = [
      host('full', { maxAgents: 1, running: [agent(1000, 1000)] }),
      host('nocli', { installed: new Set(['git']) }),
      host('down', { reachable: false, why: 'Connection refused' }),
      host('small', { memory: { totalMB: 4096, availableMB: 2000 } }),
    ];
    expect(placeTask(hosts, req)).toEqual({
      host: null,
      waiting: [
        { host: 'full', reason: '1/1 agent slots busy' },
        { host: 'nocli', reason: 'claude not installed' },
        { host: 'down', reason: 'unreachable (Connection refused)' },
        { host: 'small', reason: 'needs ~1.5 GB, 1.0 GB free above reserve' },
      ],
    });
  });
  it('--host pins: only that host, even when another has more memory; an unknown name is said', () => {
    const hosts = [host('local', { memory: { totalMB: 16384, availableMB: 3000 } }), host('big')];
    expect(placeTask(hosts, { ...req, pinned: 'local' })).toMatchObject({ host: 'local' });
    expect(placeTask(hosts, { ...req, pinned: 'nope' })).toEqual({ host: null, waiting: [{ host: 'nope', reason: 'no such host in config' }] });
  });
  it('ties go to local first, then by name; a host without a memory reading ranks last', () => {
    expect(placeTask([host('b'), host('a'), host('local')], req)).toMatchObject({ host: 'local' });
    expect(placeTask([host('b'), host('a')], req)).toMatchObject({ host: 'a' });
    expect(placeTask([host('nomem', { memory: null }), host('z', { memory: { totalMB: 4096, availableMB: 2600 } })], req)).toMatchObject({ host: 'z' });
    expect(placeTask([host('nomem', { memory: null })], req)).toEqual({ host: 'nomem', freeMB: null });
  });
});

describe('placeTask and programs the probe did not look for', () => {
  it('an agent program given by absolute path (not probed) is not held against a host; one looked for and missing is', () => {
    const probed = host('box', { installed: new Set(['git']), lookedFor: new Set(['git', 'claude']) });
    expect(placeTask([probed], { program: '/usr/bin/node', expectedPeakMB: 100 })).toMatchObject({ host: 'box' });
    expect(placeTask([probed], { program: 'claude', expectedPeakMB: 100 })).toEqual({ host: null, waiting: [{ host: 'box', reason: 'claude not installed' }] });
  });
});
