import type { Key } from 'ink';
import { z } from 'zod';
import { ConfigError } from '../engine/index.js';

/**
 * The one keymap of the fleet view: every command with its id, description and category, the
 * default bindings, config overrides (`keys` in .flotilla/config.json) and the matcher. The help
 * overlay and the status bar are generated from this table, so they never go stale.
 */

export type KeyCategory = 'fleet' | 'task' | 'review' | 'view' | 'app';

export interface KeyCommand {
  id: string;
  description: string;
  category: KeyCategory;
  /** True when the command acts on the selected task (it says "no task selected" otherwise). */
  needsTask: boolean;
  /** Short label for the status bar. */
  label: string;
}

export const KEY_COMMANDS = [
  { id: 'fleet.select-prev', description: 'select the previous task', category: 'fleet', needsTask: false, label: 'up' },
  { id: 'fleet.select-next', description: 'select the next task', category: 'fleet', needsTask: false, label: 'down' },
  { id: 'fleet.filter', description: 'filter tasks by id, title, agent, state or tag', category: 'fleet', needsTask: false, label: 'filter' },
  { id: 'task.attach', description: "attach to the selected agent's terminal (detach key returns)", category: 'task', needsTask: true, label: 'attach' },
  { id: 'task.new', description: 'add a new task (form)', category: 'task', needsTask: false, label: 'new' },
  { id: 'task.start', description: 'start the selected task', category: 'task', needsTask: true, label: 'start' },
  { id: 'task.stop', description: 'stop the selected task (asks first)', category: 'task', needsTask: true, label: 'stop' },
  { id: 'task.retry', description: 'retry the selected task with a note', category: 'task', needsTask: true, label: 'retry' },
  { id: 'task.review', description: 'review the selected task', category: 'task', needsTask: true, label: 'review' },
  { id: 'task.diff', description: 'diff between the last two attempts', category: 'task', needsTask: true, label: 'diff' },
  { id: 'task.prompt', description: "preview the next attempt's prompt", category: 'task', needsTask: true, label: 'prompt' },
  { id: 'review.next', description: 'focus the next finding', category: 'review', needsTask: true, label: 'finding' },
  { id: 'review.prev', description: 'focus the previous finding', category: 'review', needsTask: true, label: 'finding' },
  { id: 'review.useful', description: 'mark the focused finding useful', category: 'review', needsTask: true, label: 'useful' },
  { id: 'review.noise', description: 'mark the focused finding noise', category: 'review', needsTask: true, label: 'noise' },
  { id: 'review.dismiss', description: 'dismiss the focused finding, or undismiss it', category: 'review', needsTask: true, label: 'dismiss' },
  { id: 'review.folded', description: 'show or hide folded findings', category: 'review', needsTask: false, label: 'folded' },
  { id: 'view.next-panel', description: 'next panel (Gates, Queue, Reviews, Cost)', category: 'view', needsTask: false, label: 'panel' },
  { id: 'app.help', description: 'show or hide this help', category: 'app', needsTask: false, label: 'help' },
  { id: 'app.memory', description: 'open .flotilla/MEMORY.md in $EDITOR', category: 'app', needsTask: false, label: 'memory' },
  { id: 'app.quit', description: 'quit (tmux agents keep running)', category: 'app', needsTask: false, label: 'quit' },
] as const satisfies readonly KeyCommand[];

export type CommandId = (typeof KEY_COMMANDS)[number]['id'];
export type Keymap = Record<CommandId, string[]>;

export const DEFAULT_KEYS: Keymap = {
  'fleet.select-prev': ['up', 'k'],
  'fleet.select-next': ['down', 'j'],
  'fleet.filter': ['/'],
  'task.attach': ['enter'],
  'task.new': ['n'],
  'task.start': ['s'],
  'task.stop': ['x'],
  'task.retry': ['r'],
  'task.review': ['v'],
  'task.diff': ['d'],
  'task.prompt': ['p'],
  'review.next': [']'],
  'review.prev': ['['],
  'review.useful': ['u'],
  'review.noise': ['o'],
  'review.dismiss': ['D'],
  'review.folded': ['z'],
  'view.next-panel': ['tab'],
  'app.help': ['?'],
  'app.memory': ['m'],
  'app.quit': ['q', 'C-c'],
};

const NAMED_KEYS = ['up', 'down', 'left', 'right', 'enter', 'tab', 'S-tab', 'escape', 'backspace', 'delete', 'pageup', 'pagedown', 'home', 'end', 'space'] as const;

/** A key is a named key, one printable character, or C-<letter> / M-<char>. */
const keySchema = z
  .string()
  .refine(
    (k) => (NAMED_KEYS as readonly string[]).includes(k) || /^[\x21-\x7e]$/.test(k) || /^C-[a-z\]\\]$/.test(k) || /^M-[\x21-\x7e]$/.test(k),
    { message: `not a key (use one character, C-<letter>, M-<char> or one of ${NAMED_KEYS.join(', ')})` },
  );
const overrideSchema = z.union([keySchema, z.array(keySchema).min(1)]);

export function commandById(id: string): KeyCommand | undefined {
  return KEY_COMMANDS.find((c) => c.id === id);
}

/** Defaults with config overrides applied; an unknown command id or key is a ConfigError. */
export function buildKeymap(overrides: Record<string, string | string[]> = {}, file = '.flotilla/config.json'): Keymap {
  const map: Keymap = { ...DEFAULT_KEYS };
  for (const [id, value] of Object.entries(overrides)) {
    if (!commandById(id)) {
      throw new ConfigError(file, `keys.${id}`, `unknown command (known: ${KEY_COMMANDS.map((c) => c.id).join(', ')})`);
    }
    const parsed = overrideSchema.safeParse(value);
    if (!parsed.success) throw new ConfigError(file, `keys.${id}`, parsed.error.issues[0]?.message ?? 'not a key');
    map[id as CommandId] = typeof parsed.data === 'string' ? [parsed.data] : parsed.data;
  }
  return map;
}

/** True when the keypress Ink reported is `spec`. */
export function keyMatches(spec: string, input: string, key: Key): boolean {
  switch (spec) {
    case 'up': return key.upArrow;
    case 'down': return key.downArrow;
    case 'left': return key.leftArrow;
    case 'right': return key.rightArrow;
    case 'enter': return key.return;
    case 'tab': return key.tab && !key.shift;
    case 'S-tab': return key.tab && key.shift;
    case 'escape': return key.escape;
    case 'backspace': return key.backspace;
    case 'delete': return key.delete;
    case 'pageup': return key.pageUp;
    case 'pagedown': return key.pageDown;
    case 'home': return key.home;
    case 'end': return key.end;
    case 'space': return input === ' ' && !key.ctrl && !key.meta;
  }
  if (spec.startsWith('C-') && spec.length === 3) return key.ctrl && input === spec.slice(2);
  if (spec.startsWith('M-') && spec.length === 3) return key.meta && input === spec.slice(2);
  return input === spec && !key.ctrl && !key.meta;
}

/** The command bound to this keypress, or null. */
export function commandForKey(keymap: Keymap, input: string, key: Key): CommandId | null {
  for (const c of KEY_COMMANDS) {
    if (keymap[c.id].some((spec) => keyMatches(spec, input, key))) return c.id;
  }
  return null;
}

const KEY_LABELS: Record<string, string> = { up: '↑', down: '↓', left: '←', right: '→', enter: 'Enter', tab: 'Tab', 'S-tab': 'S-Tab', escape: 'Esc', space: 'Space' };

export function formatKey(spec: string): string {
  return KEY_LABELS[spec] ?? spec;
}

export function formatKeys(specs: readonly string[]): string {
  return specs.map(formatKey).join('/');
}

const NO_KEY: Key = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
  super: false, hyper: false, capsLock: false, numLock: false,
};

/**
 * Ink hands several characters that arrive together (fast typing, paste, tmux send-keys) to one
 * input call; this splits them into one keypress each (\r is Enter, \t Tab, DEL Backspace, 0x01-0x1a Ctrl-letter).
 */
export function splitInput(input: string, key: Key): Array<[string, Key]> {
  const chars = [...input];
  if (chars.length <= 1 || key.ctrl || key.meta || key.escape) return [[input, key]];
  return chars.map((ch) => {
    if (ch === '\r' || ch === '\n') return ['', { ...NO_KEY, return: true }];
    if (ch === '\t') return ['', { ...NO_KEY, tab: true }];
    if (ch === '\x7f' || ch === '\b') return ['', { ...NO_KEY, backspace: true }];
    const code = ch.charCodeAt(0);
    // Ctrl-A..Ctrl-Z arrive as 0x01..0x1a: report them the way Ink reports a lone Ctrl key.
    if (code >= 1 && code <= 26) return [String.fromCharCode(code + 96), { ...NO_KEY, ctrl: true }];
    if (code < 32) return ['', { ...NO_KEY }];
    return [ch, { ...NO_KEY, shift: ch !== ch.toLowerCase() }];
  });
}
