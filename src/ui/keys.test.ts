import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../engine/index.js';
import { DEFAULT_KEYS, KEY_COMMANDS, buildKeymap, commandForKey, keyMatches, splitInput } from './keys.js';

const key = (over: Partial<Key> = {}): Key =>
  ({ upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false, return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false, super: false, hyper: false, capsLock: false, numLock: false, ...over }) as Key;

describe('keymap', () => {
  it('every command has a description, a label and at least one default key', () => {
    for (const c of KEY_COMMANDS) {
      expect(c.description.length, c.id).toBeGreaterThan(5);
      expect(c.label.length, c.id).toBeGreaterThan(0);
      expect(DEFAULT_KEYS[c.id].length, c.id).toBeGreaterThan(0);
    }
    expect(Object.keys(DEFAULT_KEYS).sort()).toEqual(KEY_COMMANDS.map((c) => c.id).sort());
  });

  it('no key is bound to two commands by default', () => {
    const all = Object.values(DEFAULT_KEYS).flat();
    expect(new Set(all).size).toBe(all.length);
  });

  it('maps the issue keys: arrows and j/k, Enter, n s x r v d / q ? Tab', () => {
    const km = buildKeymap();
    expect(commandForKey(km, 'j', key())).toBe('fleet.select-next');
    expect(commandForKey(km, '', key({ downArrow: true }))).toBe('fleet.select-next');
    expect(commandForKey(km, 'k', key())).toBe('fleet.select-prev');
    expect(commandForKey(km, '', key({ upArrow: true }))).toBe('fleet.select-prev');
    expect(commandForKey(km, '', key({ return: true }))).toBe('task.attach');
    expect(['n', 's', 'x', 'r', 'v', 'd', '/', 'q', '?'].map((k) => commandForKey(km, k, key()))).toEqual([
      'task.new', 'task.start', 'task.stop', 'task.retry', 'task.review', 'task.diff', 'fleet.filter', 'app.quit', 'app.help',
    ]);
    expect(commandForKey(km, '', key({ tab: true }))).toBe('view.next-panel');
    expect(commandForKey(km, 'c', key({ ctrl: true }))).toBe('app.quit');
    expect(commandForKey(km, 'y', key())).toBeNull();
  });

  it('maps the prompt, review calibration and memory keys: p [ ] u o D z m', () => {
    const km = buildKeymap();
    expect(['p', '[', ']', 'u', 'o', 'D', 'z', 'm'].map((k) => commandForKey(km, k, key({ shift: k === 'D' })))).toEqual([
      'task.prompt', 'review.prev', 'review.next', 'review.useful', 'review.noise', 'review.dismiss', 'review.folded', 'app.memory',
    ]);
    expect(commandForKey(km, 'd', key())).toBe('task.diff');
    const custom = buildKeymap({ 'review.useful': '+', 'task.prompt': ['P'] });
    expect(commandForKey(custom, '+', key())).toBe('review.useful');
    expect(commandForKey(custom, 'u', key())).toBeNull();
    expect(commandForKey(custom, 'P', key())).toBe('task.prompt');
  });

  it('config overrides replace a command\'s keys (string or list)', () => {
    const km = buildKeymap({ 'task.stop': ['X', 'C-x'], 'app.quit': 'Q' });
    expect(commandForKey(km, 'x', key())).toBeNull();
    expect(commandForKey(km, 'X', key({ shift: true }))).toBe('task.stop');
    expect(commandForKey(km, 'x', key({ ctrl: true }))).toBe('task.stop');
    expect(commandForKey(km, 'Q', key())).toBe('app.quit');
    expect(commandForKey(km, 'q', key())).toBeNull();
  });

  it('refuses an unknown command id or a key it cannot read, naming the key', () => {
    expect(() => buildKeymap({ 'task.explode': 'e' })).toThrow(ConfigError);
    expect(() => buildKeymap({ 'task.explode': 'e' })).toThrow(/keys\.task\.explode.*unknown command/);
    expect(() => buildKeymap({ 'task.stop': 'ctrl+x' })).toThrow(/keys\.task\.stop.*not a key/);
    expect(() => buildKeymap({ 'task.stop': [] })).toThrow(ConfigError);
  });

  it('plain keys do not match with ctrl or meta held', () => {
    expect(keyMatches('s', 's', key())).toBe(true);
    expect(keyMatches('s', 's', key({ ctrl: true }))).toBe(false);
    expect(keyMatches('M-s', 's', key({ meta: true }))).toBe(true);
  });

  it('splits characters that arrived together into keypresses', () => {
    const parts = splitInput('ab\t\rc\x7f', key());
    expect(parts.map(([i]) => i)).toEqual(['a', 'b', '', '', 'c', '']);
    expect(parts[2]![1].tab).toBe(true);
    expect(parts[3]![1].return).toBe(true);
    expect(parts[5]![1].backspace).toBe(true);
    expect(splitInput('j', key())).toHaveLength(1);
    const ctrl = splitInput('ab\x05', key());
    expect(ctrl[2]).toEqual(['e', expect.objectContaining({ ctrl: true })]);
    expect(splitInput('a\x00', key())[1]![0]).toBe('');
  });
});
