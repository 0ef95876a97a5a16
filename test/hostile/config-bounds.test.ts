/**
 * Config bounds through the real CLI: every duration and count out of bounds is refused by the
 * command that loads the config, with exit 1, one line naming the file, the key, the bound and the
 * value, and no state file touched. Values at the bound are accepted.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_BOUNDS } from '../../src/engine/index.js';
import { parseConfig } from '../../src/engine/index.js';
import { crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo;
beforeAll(() => {
  repo = hostileRepo();
});
afterAll(() => repo?.cleanup());

const FILE = '/r/.flotilla/config.json';
const BIG = 3_000_000_000; // > 2^31 ms as ms, and absurd as anything else

/** [key path, config carrying value v at that path, [min, max]] for every bounded key. */
const KEYS: Array<[string, (v: number) => Record<string, unknown>, readonly [number, number]]> = [
  ['checks.0.timeoutSec', (v) => ({ checks: [{ name: 't', command: ['true'], timeoutSec: v }] }), CONFIG_BOUNDS.timeoutSec],
  ['gates.0.timeoutSec', (v) => ({ gates: [{ name: 'lint', command: ['true'], timeoutSec: v }] }), CONFIG_BOUNDS.timeoutSec],
  ['reviewers.0.timeoutSec', (v) => ({ reviewers: [{ role: 'r', focus: 'f', profile: 'claude', timeoutSec: v }] }), CONFIG_BOUNDS.timeoutSec],
  ['monitor.intervalSec', (v) => ({ monitor: { intervalSec: v } }), CONFIG_BOUNDS.intervalSec],
  ['monitor.idleGraceSec', (v) => ({ monitor: { idleGraceSec: v } }), CONFIG_BOUNDS.idleGraceSec],
  ['profiles.p.quietMs', (v) => ({ profiles: { p: { command: ['x'], quietMs: v } } }), CONFIG_BOUNDS.quietMs],
  ['limits.staggerMs', (v) => ({ limits: { staggerMs: v } }), CONFIG_BOUNDS.staggerMs],
  ['limits.maxAgents', (v) => ({ limits: { maxAgents: v } }), CONFIG_BOUNDS.maxAgents],
  ['limits.maxBuilds', (v) => ({ limits: { maxBuilds: v } }), CONFIG_BOUNDS.maxBuilds],
  ['limits.memReserveMB', (v) => ({ limits: { memReserveMB: v } }), CONFIG_BOUNDS.memoryMB],
  ['limits.defaultPeakMB.agent', (v) => ({ limits: { defaultPeakMB: { agent: v } } }), CONFIG_BOUNDS.memoryMB],
  ['logs.maxBytes', (v) => ({ logs: { maxBytes: v } }), CONFIG_BOUNDS.logMaxBytes],
  ['logs.keep', (v) => ({ logs: { keep: v } }), CONFIG_BOUNDS.logKeep],
  ['recovery.maxAttempts', (v) => ({ recovery: { maxAttempts: v } }), CONFIG_BOUNDS.maxAttempts],
  ['recovery.maxCiRounds', (v) => ({ recovery: { maxCiRounds: v } }), CONFIG_BOUNDS.maxCiRounds],
  ['stopGate.maxBlocks', (v) => ({ stopGate: { maxBlocks: v } }), CONFIG_BOUNDS.maxBlocks],
  ['recovery.pause.backoffSec', (v) => ({ recovery: { pause: { backoffSec: v } } }), CONFIG_BOUNDS.pauseBackoffSec],
];

describe('config bounds (parse)', () => {
  for (const [key, config, [min, max]] of KEYS) {
    it(`${key}: ${min}..${max}`, () => {
      expect(() => parseConfig(FILE, config(max))).not.toThrow();
      expect(() => parseConfig(FILE, config(min))).not.toThrow();
      expect(() => parseConfig(FILE, config(max + 1))).toThrow(`key "${key}": at most ${max} (got ${max + 1})`);
      expect(() => parseConfig(FILE, config(min - 1))).toThrow(`key "${key}": at least ${min} (got ${min - 1})`);
      expect(() => parseConfig(FILE, config(1.5 + min))).toThrow(`key "${key}": must be a whole number`);
    });
  }

  it('no bounded duration reaches 2^31 ms', () => {
    expect(CONFIG_BOUNDS.timeoutSec[1] * 1000).toBeLessThan(2 ** 31);
    expect(CONFIG_BOUNDS.intervalSec[1] * 1000).toBeLessThan(2 ** 31);
    expect(CONFIG_BOUNDS.idleGraceSec[1] * 1000).toBeLessThan(2 ** 31);
    expect(CONFIG_BOUNDS.quietMs[1]).toBeLessThan(2 ** 31);
    expect(CONFIG_BOUNDS.staggerMs[1]).toBeLessThan(2 ** 31);
    expect(CONFIG_BOUNDS.pauseBackoffSec[1] * 1000).toBeLessThan(2 ** 31);
  });

  it('prices: finite and at most a million dollars per million tokens', () => {
    expect(() => parseConfig(FILE, { prices: { m: { input: 1e308, output: 1 } } })).toThrow('key "prices.m.input": at most 1000000');
    expect(() => parseConfig(FILE, { prices: { m: { input: 3, output: 15 } } })).not.toThrow();
  });

  it('an invalid regular expression in patterns is refused naming the key', () => {
    expect(() => parseConfig(FILE, { profiles: { p: { command: ['x'], patterns: { waiting: ['ok', '(unclosed'] } } } })).toThrow(
      /key "profiles\.p\.patterns\.waiting\.1": not a valid regular expression/,
    );
  });
});

describe('config bounds (real CLI: refused, nothing written)', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['monitor.intervalSec 3e9', { monitor: { intervalSec: BIG } }, 'key "monitor.intervalSec": at most 86400 (got 3000000000)'],
    ['checks timeoutSec 3e9', { checks: [{ name: 't', command: ['true'], timeoutSec: BIG }] }, 'key "checks.0.timeoutSec": at most 86400 (got 3000000000)'],
    ['limits.staggerMs 3e9', { limits: { staggerMs: BIG } }, 'key "limits.staggerMs": at most 600000 (got 3000000000)'],
    ['quietMs 3e9', { profiles: { p: { command: ['x'], quietMs: BIG } } }, 'key "profiles.p.quietMs": at most 3600000 (got 3000000000)'],
    ['invalid regex', { profiles: { p: { command: ['x'], patterns: { idle: ['[z-a]'] } } } }, 'key "profiles.p.patterns.idle.0": not a valid regular expression'],
  ];
  for (const [name, config, message] of cases) {
    it(name, async () => {
      writeFileSync(join(repo.root, '.flotilla', 'config.json'), JSON.stringify({ worktreeRoot: repo.worktreeRoot, ...config }));
      for (const args of [['status'], ['check'], ['watch']]) {
        const run = await runFlotilla(repo.root, args, { timeoutMs: 20_000 });
        expect(crashed(run), run.stderr).toBe(false);
        expect(run.code).toBe(1);
        expect(run.stderr.trim().split('\n')).toHaveLength(1);
        expect(run.stderr).toContain(join(repo.root, '.flotilla', 'config.json'));
        expect(run.stderr).toContain(message);
        expect(stateDiff(run.before, run.after)).toEqual({ added: [], removed: [], changed: [] });
      }
    });
  }
});

describe('config text quoted in errors', () => {
  it('an unknown key holding escape sequences and a CR: one clean line, exit 1, nothing written', async () => {
    writeFileSync(join(repo.root, '.flotilla', 'config.json'), JSON.stringify({ worktreeRoot: repo.worktreeRoot, 'x\x1b]52;c;QUJD\x07\r\x1b[2Jy': 1 }));
    const run = await runFlotilla(repo.root, ['status']);
    expect(crashed(run), run.stderr).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('unknown key');
    expect(run.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(stateDiff(run.before, run.after)).toEqual({ added: [], removed: [], changed: [] });
  });
});
