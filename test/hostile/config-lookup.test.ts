/**
 * Lookups by a user-supplied key into a plain object: profile names from argv and config, reviewer
 * profiles, model names from usage logs against prices. Object.prototype's member names are
 * refused (or unknown) like any other unknown name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveProfile } from '../../src/engine/index.js';
import { parseConfig } from '../../src/engine/index.js';
import { findPrice, priceTable } from '../../src/engine/index.js';
import { reviewerSpec } from '../../src/engine/index.js';
import { crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

const PROTO_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
let repo: TempRepo;
beforeAll(() => {
  repo = hostileRepo();
});
afterAll(() => repo?.cleanup());

describe('own keys only', () => {
  for (const name of PROTO_NAMES) {
    it(`add --agent ${name}: refused like any unknown profile, nothing written`, async () => {
      const run = await runFlotilla(repo.root, ['add', 'T', '--prompt', 'p', '--agent', name]);
      expect(crashed(run), run.stderr).toBe(false);
      expect(run.code).toBe(2);
      expect(run.stderr.trim()).toMatch(new RegExp(`^flotilla: unknown agent profile "${name.replace(/_/g, '_')}" \\(known: aider, claude, codex, gemini\\)$`));
      expect(stateDiff(run.before, run.after)).toEqual({ added: [], removed: [], changed: [] });
    });
  }

  it('the same message as any unknown profile', async () => {
    const run = await runFlotilla(repo.root, ['add', 'T', '--prompt', 'p', '--agent', 'nosuch']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe('flotilla: unknown agent profile "nosuch" (known: aider, claude, codex, gemini)');
  });

  it('resolveProfile, reviewerSpec and findPrice by own keys', () => {
    const config = parseConfig('/c', {});
    for (const name of PROTO_NAMES) {
      expect(() => resolveProfile(config, name)).toThrow(`unknown agent profile "${name}"`);
      expect(() => reviewerSpec(config, { role: 'r', focus: 'f', profile: name, blocking: false, timeoutSec: 60 })).toThrow(`unknown agent profile "${name}"`);
      expect(findPrice(priceTable(), name)).toBeNull();
    }
  });

  it('a profile really named "constructor" in config is found as itself; a "__proto__" price pollutes nothing', () => {
    const config = parseConfig('/c', JSON.parse('{"profiles": {"constructor": {"command": ["x", "{promptFile}"]}}, "prices": {"__proto__": {"input": 1, "output": 2}}}'));
    expect(resolveProfile(config, 'constructor').command).toEqual(['x', '{promptFile}']);
    // A "__proto__" price key never becomes the table's prototype (so no model name finds its fields).
    const table = priceTable(config.prices);
    expect(findPrice(table, 'input')).toBeNull();
    expect(findPrice(table, 'constructor')).toBeNull();
    expect(Object.getPrototypeOf(table)).toBe(Object.prototype);
  });
});
