import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/index.js';
import { defaultConfig, loadConfig, parseConfig, writeConfig } from './load.js';

const FILE = '/repo/.flotilla/config.json';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('fills every default from an empty object', () => {
    const c = parseConfig(FILE, {});
    expect(c.runtime).toBe('auto');
    expect(c.limits.maxBuilds).toBe(2);
    expect(c.recovery).toEqual({
      maxAttempts: 3,
      maxCiRounds: 2,
      auto: ['ci_failed', 'review_flagged', 'conflicts', 'crashed', 'no_progress'],
      pause: { autoResume: true, backoffSec: 900 },
    });
    expect(c.monitor.intervalSec).toBe(15);
    expect(c.gates).toEqual(['pr', 'rebased', 'ci', 'reviews']);
  });

  it('names a mistyped top-level key and suggests the right one', () => {
    const e = errorOf(() => parseConfig(FILE, { runtim: 'tmux' }));
    expect(e.key).toBe('runtim');
    expect(e.message).toContain(FILE);
    expect(e.message).toContain('did you mean "runtime"');
  });

  it('names a mistyped nested key with its path', () => {
    const e = errorOf(() => parseConfig(FILE, { limits: { maxBuild: 3 } }));
    expect(e.key).toBe('limits.maxBuild');
    expect(e.message).toContain('did you mean "limits.maxBuilds"');
  });

  it('names a key with the wrong type', () => {
    const e = errorOf(() => parseConfig(FILE, { monitor: { intervalSec: 'often' } }));
    expect(e.key).toBe('monitor.intervalSec');
    expect(e.message).toMatch(/number/);
  });

  it('rejects zero and negative limits', () => {
    expect(errorOf(() => parseConfig(FILE, { limits: { maxAgents: 0 } })).key).toBe('limits.maxAgents');
    expect(errorOf(() => parseConfig(FILE, { limits: { maxBuilds: -1 } })).key).toBe('limits.maxBuilds');
  });

  it('recovery.pause: a strict object with bounds, each error naming the key', () => {
    expect(parseConfig(FILE, { recovery: { pause: { autoResume: false } } }).recovery.pause).toEqual({ autoResume: false, backoffSec: 900 });
    const low = errorOf(() => parseConfig(FILE, { recovery: { pause: { backoffSec: 5 } } }));
    expect(low.key).toBe('recovery.pause.backoffSec');
    expect(low.message).toContain('at least 10');
    expect(errorOf(() => parseConfig(FILE, { recovery: { pause: { backoffSec: 86_401 } } })).message).toContain('at most 86400');
    expect(errorOf(() => parseConfig(FILE, { recovery: { pause: { autoresume: true } } })).key).toBe('recovery.pause.autoresume');
    expect(errorOf(() => parseConfig(FILE, { recovery: { pause: { autoResume: 'yes' } } })).key).toBe('recovery.pause.autoResume');
  });

  it('accepts a custom profile at its simplest and rejects an empty command', () => {
    const c = parseConfig(FILE, { profiles: { mine: { command: ['bash', './my-agent.sh', '{promptFile}'] } } });
    expect(c.profiles.mine?.command).toEqual(['bash', './my-agent.sh', '{promptFile}']);
    expect(errorOf(() => parseConfig(FILE, { profiles: { mine: { command: [] } } })).key).toBe('profiles.mine.command');
  });

  it('loads defaults when the file is missing, and refuses invalid JSON naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cfg-'));
    expect((await loadConfig(join(dir, 'none.json'))).runtime).toBe('auto');
    const bad = join(dir, 'config.json');
    writeFileSync(bad, '{ "runtime": ');
    await expect(loadConfig(bad)).rejects.toThrow(/config\.json.*not valid JSON/);
    expect(readFileSync(bad, 'utf8')).toBe('{ "runtime": ');
  });

  it('round-trips the written defaults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cfg-'));
    const file = join(dir, 'config.json');
    await writeConfig(file, defaultConfig());
    expect(await loadConfig(file)).toEqual(defaultConfig());
  });
});
