import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { computeLayout, tooSmall, type Box } from './layout.js';
import type { TermSize } from './types.js';

/**
 * The fleet view's first frame, drawn before the engine, React and Ink are loaded (they take most
 * of the time to the full view): `bin/flotilla` loads this small module alone (its own bundle
 * entry), which reads `.flotilla/tasks.json` and `.flotilla/config.json` as plain JSON and writes
 * the list in the same places the full view puts it, with plain ANSI. The full view then draws its
 * first frame over this one line by line (`takeOverFirstPaint`), without clearing the screen in
 * between, so the list never blinks.
 *
 * It imports nothing from the engine (that is the point), so it has its own filter for the outside
 * text it shows (ids, titles, agent names from the registry): every control and format character
 * is dropped (`\p{Cc}`, `\p{Cf}`: escape bytes, C1, bidi overrides and isolates), stricter than
 * the engine's safeText, which is fine for a frame that lives a fraction of a second.
 */

export interface FirstPaint {
  /** The terminal size the frame was drawn for. */
  size: TermSize;
  /**
   * The full view draws next: its first frame (Ink's next write that draws lines, from the
   * top-left corner) gets each line cleared to its end and the screen below cleared, so it replaces
   * the painted frame in place and nothing is blanked in between.
   */
  takeOver(): void;
  /** The view did not open after all (an error): the normal screen, the cursor and cooked mode back. No-op after takeOver. */
  undo(): void;
}

/** A task as the first frame reads it from the registry: only what a row shows, all optional. */
interface RawTask {
  id?: unknown;
  title?: unknown;
  agent?: unknown;
  state?: unknown;
  kind?: unknown;
  stateSince?: unknown;
  pr?: { number?: unknown; state?: unknown } | null;
  gates?: Record<string, { state?: unknown }>;
  attempts?: Array<{ session?: { state?: unknown } | null }>;
}

const ESC = '\x1b[';
const RESET = `${ESC}0m`;
const COLOR: Record<string, string> = { gray: '90', red: '31', green: '32', yellow: '33', blue: '34', magenta: '35', cyan: '36', white: '37' };
const paint = (text: string, code: string) => `${ESC}${code}m${text}${RESET}`;

// The glyphs and colours of src/ui/format.ts (which imports the engine, so it cannot be used here).
const SESSION_GLYPH: Record<string, [string, string]> = { starting: ['◌', 'blue'], working: ['●', 'green'], waiting: ['◆', 'yellow'], idle: ['◐', 'cyan'], exited: ['■', 'red'] };
const STATE_GLYPH: Record<string, [string, string]> = {
  new: ['○', 'gray'],
  queued: ['◌', 'gray'],
  blocked: ['⊘', 'yellow'],
  running: ['●', 'green'],
  checking: ['◎', 'blue'],
  ready: ['✓', 'green'],
  failed: ['✗', 'red'],
  escalated: ['‼', 'magenta'],
  stopped: ['□', 'gray'],
};
const GATE_GLYPH: Record<string, readonly [string, string]> = { pass: ['✓', 'green'], fail: ['✗', 'red'], pending: ['…', 'yellow'], skip: ['-', 'gray'] };
const DEFAULT_GATES = ['pr', 'rebased', 'ci', 'reviews'];

/** Outside text as one line of plain characters. */
function clean(value: unknown): string {
  return typeof value === 'string' ? value.replace(/[\p{Cc}\p{Cf}]/gu, ' ') : '';
}

/** `text` in exactly `width` characters (cut with …, padded otherwise), as format.ts `fit`. */
function fit(text: string, width: number): string {
  if (width <= 0) return '';
  const chars = [...text];
  if (chars.length > width) return `${chars.slice(0, Math.max(0, width - 1)).join('')}…`;
  return text + ' '.repeat(width - chars.length);
}

function ageOf(iso: unknown, now: number): string {
  const ms = now - Date.parse(typeof iso === 'string' ? iso : '');
  if (!Number.isFinite(ms) || ms < 0) return '0s';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A line of the frame: styled text and how many columns it takes. */
interface Line {
  text: string;
  width: number;
}

const plain = (text: string): Line => ({ text, width: [...text].length });

/** The status word of a row (format.ts statusText). */
function statusOf(task: RawTask): string {
  const state = clean(task.state);
  const session = clean(task.attempts?.at(-1)?.session?.state);
  if (task.pr?.state === 'merged') return 'merged';
  return state === 'running' && session && session !== 'working' ? `${state}/${session}` : state;
}

function rowOf(task: RawTask, o: { idWidth: number; titleWidth: number; gates: string[]; maxAttempts: number; now: number; inner: number; selected: boolean }): Line {
  const state = clean(task.state);
  const session = clean(task.attempts?.at(-1)?.session?.state);
  const merged = task.pr?.state === 'merged';
  const orchestrator = task.kind === 'orchestrator';
  const [glyph, color] = merged ? ['◉', 'magenta'] : orchestrator ? ['◈', 'magenta'] : (state === 'running' && SESSION_GLYPH[session]) || STATE_GLYPH[state] || ['?', 'white'];
  const status = statusOf(task);
  const id = clean(task.id);
  const names = [...o.gates, ...Object.keys(task.gates ?? {}).filter((g) => !o.gates.includes(g))];
  const gates: Array<readonly [string, string]> = orchestrator ? [] : names.map((g) => GATE_GLYPH[clean(task.gates?.[g]?.state)] ?? (['·', 'gray'] as const));
  const parts: Line[] = [
    plain(' '),
    { text: paint(glyph, COLOR[color] ?? '37'), width: 1 },
    plain(` ${fit(orchestrator && id !== 'orchestrator' ? `${id} (orchestrator)` : id, o.idWidth)}`),
    plain(`${o.titleWidth ? ` ${fit(clean(task.title), o.titleWidth)}` : ''} ${fit(clean(task.agent), 8)} `),
    { text: paint(fit(status, 15), COLOR[color] ?? '37'), width: 15 },
    plain(` ${fit(orchestrator ? '-' : `${task.attempts?.length ?? 0}/${o.maxAttempts}`, 4)} `),
    // The orchestrator has no gates: a dash in their column.
    ...(orchestrator ? [plain(`${fit('-', 6)} `)] : [...gates.map(([g, c]) => ({ text: paint(g, COLOR[c] ?? '37'), width: 1 })), plain(' '.repeat(Math.max(1, 7 - gates.length)))]),
    plain(`${fit(!orchestrator && typeof task.pr?.number === 'number' ? `#${task.pr.number}` : '-', 5)} ${fit('-', 7)} ${ageOf(task.stateSince, o.now)}`),
  ];
  let width = 0;
  let text = '';
  for (const p of parts) {
    if (width + p.width > o.inner) break; // the row is cut at the box, as Ink's truncate does
    text += p.text;
    width += p.width;
  }
  return { text: o.selected ? `${ESC}7m${text.replaceAll(RESET, `${RESET}${ESC}7m`)}${RESET}` : text, width };
}

/** A box with a round gray border around `content` (cut or filled to its height). */
function boxLines(box: Box, content: Line[]): Line[] {
  const inner = Math.max(0, box.width - 2);
  const border = (text: string) => paint(text, COLOR.gray!);
  const lines: Line[] = [{ text: border(`╭${'─'.repeat(inner)}╮`), width: box.width }];
  for (let i = 0; i < box.height - 2; i++) {
    const c = content[i] ?? plain('');
    lines.push({ text: `${border('│')}${c.text}${' '.repeat(Math.max(0, inner - c.width))}${border('│')}`, width: box.width });
  }
  lines.push({ text: border(`╰${'─'.repeat(inner)}╯`), width: box.width });
  return lines;
}

/**
 * The first frame for `tasks` at `size`: the list as the full view shows it before any key (the
 * first task selected), the live pane and panels empty, and the status bar saying it is loading.
 * One string of `rows - 1` lines (the full view's height), cursor-home first, each line cleared to
 * its end. Pure: the clock and the config come in.
 */
export function firstFrame(tasks: RawTask[], size: TermSize, config: { gates?: unknown; recovery?: { maxAttempts?: unknown } } = {}, now = Date.now()): string {
  if (tooSmall(size)) return `${ESC}H${ESC}2J${paint('terminal too small (need 60x20)', COLOR.yellow!)}`;
  const shown = [...tasks.filter((t) => t.kind === 'orchestrator'), ...tasks.filter((t) => t.kind !== 'orchestrator')];
  const ids = shown.map((t) => [...clean(t.id)].length + (t.kind === 'orchestrator' && t.id !== 'orchestrator' ? 15 : 0));
  const longest = Math.max(8, ...ids);
  const layout = computeLayout(size, shown.length, Math.max(0, ...ids));
  const inner = Math.max(10, layout.list.width - 2);
  const room = Math.max(8, inner - 58);
  const idWidth = Math.min(longest, room);
  const titleWidth = room - idWidth - 1 >= 12 ? room - idWidth - 1 : 0;
  const gates = Array.isArray(config.gates) ? config.gates.map((g) => clean(typeof g === 'string' ? g : (g as { name?: unknown })?.name)) : DEFAULT_GATES;
  const maxAttempts = typeof config.recovery?.maxAttempts === 'number' ? config.recovery.maxAttempts : 3;
  const rows = Math.max(1, layout.list.height - 4);
  const workers = shown.filter((t) => t.kind !== 'orchestrator').length;
  const header = fit(`   ${fit('ID', idWidth)}${titleWidth ? ` ${fit('TITLE', titleWidth)}` : ''} ${fit('AGENT', 8)} ${fit('STATE', 15)} ${fit('ATT', 4)} ${fit('GATES', 6)} ${fit('PR', 5)} ${fit('COST', 7)} AGE`, inner);
  const list: Line[] = [
    { text: paint(header, '1'), width: inner },
    ...shown.slice(0, rows).map((t, i) => rowOf(t, { idWidth, titleWidth, gates, maxAttempts, now, inner, selected: i === 0 })),
    ...(workers === 0 ? [{ text: paint(fit('no tasks yet: n adds one', inner).trimEnd(), '2'), width: 24 }] : []),
  ];
  const title = ` Tasks ${workers}${workers === shown.length ? '' : ' + orchestrator'}`;
  list.push({ text: paint(fit(title, inner).trimEnd(), '2'), width: [...title].length });
  const listLines = boxLines(layout.list, list);
  // The pane's title as the view shows it (its screen follows once the engine runs), the panels' tabs.
  const first = shown[0];
  const paneTitle = first ? fit(`${clean(first.id)} · ${statusOf(first)}`, layout.pane.width - 2).trimEnd() : '';
  const paneLines = boxLines(layout.pane, [plain(paneTitle), { text: paint('loading…', '2'), width: 8 }]);
  const tabs = { text: `${paint(' Gates ', '7;1')} Queue  Reviews  Cost ${paint(' (Tab)', '2')}`, width: 35 };
  const panelLines = boxLines(layout.panels, [tabs]);
  const body: Line[] =
    layout.mode === 'wide'
      ? [...listLines, ...panelLines].map((left, i) => ({ text: left.text + (paneLines[i]?.text ?? ''), width: left.width + (paneLines[i]?.width ?? 0) }))
      : [...listLines, ...paneLines, ...panelLines];
  const status = { text: paint('loading…', '2'), width: 8 };
  const lines = [...body.slice(0, layout.height - 1), status];
  return `${ESC}H${lines.map((l) => `${l.text}${ESC}K`).join('\r\n')}${ESC}J${ESC}H`;
}

/** The `.flotilla` folder of the repository `cwd` is in (walking up), or null. */
export function findStateDir(cwd: string): string | null {
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.flotilla', 'tasks.json'))) return join(dir, '.flotilla');
    if (existsSync(join(dir, '.git')) || dirname(dir) === dir) return null;
  }
}

const ALT_ON = '\x1b[?1049h';
const HIDE_CURSOR = '\x1b[?25l';

/**
 * Draws the first frame for the repository at `cwd` on the alternate screen and puts the terminal
 * in raw mode (keys typed while the view loads wait for it instead of being echoed over the frame).
 * Returns null, having written nothing, when there is no registry to show or it cannot be read:
 * the full view then starts as it would without this.
 */
export function paintFirstFrame(cwd: string, stdout: NodeJS.WriteStream, stdin: NodeJS.ReadStream): FirstPaint | null {
  const size = { columns: stdout.columns || 80, rows: stdout.rows || 24 };
  let frame: string;
  try {
    const stateDir = findStateDir(cwd);
    if (!stateDir) return null;
    const registry = JSON.parse(readFileSync(join(stateDir, 'tasks.json'), 'utf8')) as { tasks?: unknown };
    if (!Array.isArray(registry.tasks)) return null;
    let config = {};
    try {
      config = JSON.parse(readFileSync(join(stateDir, 'config.json'), 'utf8')) as object;
    } catch {
      // no config (or a bad one, which the engine reports): the defaults
    }
    frame = firstFrame(registry.tasks.filter((t): t is RawTask => typeof t === 'object' && t !== null), size, config);
  } catch {
    return null;
  }
  stdin.setRawMode?.(true);
  stdout.write(ALT_ON + HIDE_CURSOR + frame);
  let open = true;
  return {
    size,
    takeOver() {
      if (!open) return;
      open = false;
      const write = stdout.write;
      const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
        if (typeof chunk === 'string' && chunk.includes('\n')) {
          stdout.write = write;
          chunk = replaceFrame(chunk);
        }
        return (write as (...a: unknown[]) => boolean).call(this, chunk, ...rest);
      };
      stdout.write = patched as typeof stdout.write;
    },
    undo() {
      if (!open) return;
      open = false;
      stdin.setRawMode?.(false);
      stdout.write('\x1b[?25h\x1b[?1049l');
    },
  };
}

/** A frame written from the top-left corner over another: each line cleared to its end, the rest of the screen below cleared. */
export function replaceFrame(frame: string): string {
  return `${ESC}H${frame.replace(/\n/g, `${ESC}K\n`)}${ESC}K${ESC}J`;
}


