import { describe, expect, it } from 'vitest';
import { parseConfig } from './load.js';

const err = (raw: unknown): string => {
  try {
    parseConfig('c.json', raw);
  } catch (e) {
    return (e as Error).message;
  }
  return 'no error';
};

describe('config hosts', () => {
  it('accepts a host with defaults', () => {
    const c = parseConfig('c.json', { hosts: { box1: { ssh: 'me@10.0.0.2' } } });
    expect(c.hosts['box1']).toEqual({ ssh: 'me@10.0.0.2', port: 22, maxAgents: 4, maxBuilds: 2, memReserveMB: 2048, env: {} });
    expect(parseConfig('c.json', {}).hosts).toEqual({});
  });
  it('rejects the reserved name local, bad ssh targets, bounds and unknown keys, naming the key', () => {
    expect(err({ hosts: { local: { ssh: 'a@b' } } })).toMatch(/hosts.*reserved/);
    expect(err({ hosts: { b: { ssh: '-oProxyCommand=x' } } })).toMatch(/hosts\.b\.ssh/);
    expect(err({ hosts: { b: { ssh: 'a@b c' } } })).toMatch(/hosts\.b\.ssh/);
    expect(err({ hosts: { b: { ssh: 'a@b', port: 70000 } } })).toMatch(/hosts\.b\.port/);
    expect(err({ hosts: { b: { ssh: 'a@b', maxAgents: 0 } } })).toMatch(/hosts\.b\.maxAgents/);
    expect(err({ hosts: { b: { ssh: 'a@b', maxBuilds: 0 } } })).toMatch(/hosts\.b\.maxBuilds/);
    expect(err({ hosts: { b: { ssh: 'a@b', maxBuilds: 1.5 } } })).toMatch(/hosts\.b\.maxBuilds/);
    expect(err({ hosts: { b: { ssh: 'a@b', maxBuilds: '2' } } })).toMatch(/hosts\.b\.maxBuilds/);
    expect(err({ hosts: { b: { ssh: 'a@b', worktreeRoot: 'rel' } } })).toMatch(/hosts\.b\.worktreeRoot/);
    expect(err({ hosts: { b: { ssh: 'a@b', sshh: 1 } } })).toMatch(/hosts\.b\.sshh/);
    expect(err({ hosts: { b: { ssh: 'a@b', env: { 'A B': 'x' } } } })).toMatch(/hosts\.b\.env/);
  });
});
