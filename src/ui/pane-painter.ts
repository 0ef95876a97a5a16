import { createContext } from 'react';
import { charWidth } from './screen-text.js';
import { TerminalRows, type RowsTouched } from './terminal-rows.js';

/**
 * The live pane's screen, drawn outside Ink's frame. Ink lays out and writes the whole frame for
 * every change it renders; an agent printing a line a second would cost a 200x50 layout each time.
 * Instead Ink draws the pane's border and title around a blank region that never changes (so its
 * incremental writer leaves those lines alone), and this painter writes the agent's screen into
 * that region itself: only the rows that changed, each at its absolute place, the cursor saved
 * before and restored after (`ESC 7` / `ESC 8`) so Ink's own relative cursor moves are undisturbed.
 *
 * Ink rewrites whole terminal lines: in the wide layout a list row that changes shares its line
 * with a pane row. Every Ink write goes through `inkStdout()`, which follows the cursor through it
 * (`TerminalRows`) and repaints the pane rows it wrote over, in the same tick.
 *
 * Lines keep their SGR styling; every other escape sequence and control character is dropped,
 * and each line is cut to the region's width (as Ink's `wrap="truncate"` did).
 */

/** Where the agent's screen goes: 0-based screen cells. */
export interface PaneRegion {
  top: number;
  left: number;
  cols: number;
  rows: number;
}

interface Writer {
  write(chunk: string): unknown;
}

// eslint-disable-next-line no-control-regex
const ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.?)/y;
const SGR = /^\x1b\[[0-9;:]*m$/;
// eslint-disable-next-line no-control-regex
const PLAIN = /^(?:[\x20-\x7e]|\x1b\[[0-9;:]*m)*$/;

/**
 * `line` cut to `cols` columns, with only SGR escapes kept and control characters dropped, reset
 * at its end. A wide character that would straddle the last column is left out.
 */
export function fitLine(line: string, cols: number): string {
  // Most lines: short enough, plain ASCII and SGR only.
  if (line.length <= cols && PLAIN.test(line)) return `${line}\x1b[0m`;
  let out = '';
  let col = 0;
  let i = 0;
  while (i < line.length) {
    const code = line.charCodeAt(i);
    if (code === 0x1b) {
      ESCAPE.lastIndex = i;
      const m = ESCAPE.exec(line);
      const seq = m ? m[0] : '\x1b';
      if (SGR.test(seq)) out += seq;
      i += Math.max(1, seq.length);
      continue;
    }
    const cp = line.codePointAt(i)!;
    const size = cp > 0xffff ? 2 : 1;
    // C0, DEL and C1 controls never reach the terminal.
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
      i += size;
      continue;
    }
    const w = charWidth(cp);
    if (col + w > cols) break;
    out += line.slice(i, i + size);
    col += w;
    i += size;
  }
  return `${out}\x1b[0m`;
}

export class PanePainter {
  private region: PaneRegion | null = null;
  /** The lines asked for, and each cut to the region (kept while the line does not change). */
  private wanted: string[] | null = null;
  private fitted: string[] = [];
  /** What each region row shows now, as painted; null: unknown (Ink wrote over it, or never painted). */
  private shown: Array<string | null> = [];
  /** Bytes written, for tests and the bench. */
  written = 0;

  constructor(private readonly out: Writer) {}

  /** Paint into this region from now on (null: the pane is not on screen; paint nothing). */
  setRegion(region: PaneRegion | null): void {
    const same = region && this.region && region.top === this.region.top && region.left === this.region.left && region.cols === this.region.cols && region.rows === this.region.rows;
    if (same || (!region && !this.region)) return;
    this.region = region;
    this.shown = region ? new Array<string | null>(region.rows).fill(null) : [];
    if (region && this.wanted) this.fitted = this.wanted.map((line) => fitLine(line, region.cols));
    if (!region) this.wanted = null;
    this.flush();
  }

  /** The screen lines to show (styled), or null for none (Ink's own content shows in the region). */
  paint(lines: readonly string[] | null): void {
    const cols = this.region?.cols ?? 0;
    if (lines) {
      const before = this.wanted;
      this.fitted = lines.map((line, y) => (before && before[y] === line && this.fitted[y] !== undefined ? this.fitted[y]! : fitLine(line, cols)));
    } else {
      this.shown.fill(null);
    }
    this.wanted = lines ? [...lines] : null;
    this.flush();
  }

  /** Rows of the screen something else wrote over: repainted now. */
  overwritten(rows: RowsTouched): void {
    const region = this.region;
    if (!region) return;
    if (rows === 'all') this.shown.fill(null);
    else for (const r of rows) if (r >= region.top && r < region.top + region.rows) this.shown[r - region.top] = null;
    this.flush();
  }

  /** Writes the rows whose wanted line differs from what they show. */
  private flush(): void {
    const region = this.region;
    const wanted = this.wanted;
    if (!region || !wanted) return;
    let out = '';
    for (let y = 0; y < region.rows; y++) {
      const line = this.fitted[y] ?? '\x1b[0m';
      if (this.shown[y] === line) continue;
      this.shown[y] = line;
      // Position, erase the row's cells (in the default style), then the line.
      out += `\x1b[${region.top + y + 1};${region.left + 1}H\x1b[0m\x1b[${region.cols}X${line}`;
    }
    if (!out) return;
    const bytes = `\x1b7${out}\x1b8`;
    this.written += bytes.length;
    this.out.write(bytes);
  }
}

/**
 * The stream to give Ink: writes go to `stdout`, then the painter repaints the pane rows they
 * wrote over. Everything else (size, events, isTTY) is `stdout`'s own. The cursor is assumed at
 * the top-left when Ink starts (the caller writes `ESC [ H` first). On a resize the terminal keeps
 * the cursor inside the new size and the painter repaints its whole region. `close()` stops
 * following resizes.
 */
export function inkStdout(stdout: NodeJS.WriteStream, painter: PanePainter): { stream: NodeJS.WriteStream; close(): void } {
  const rows = new TerminalRows(() => stdout.rows || 24);
  const write = (chunk: unknown, ...rest: unknown[]): boolean => {
    const ok = Reflect.apply(stdout.write, stdout, [chunk, ...rest]) as boolean;
    painter.overwritten(rows.feed(typeof chunk === 'string' ? chunk : String(chunk)));
    return ok;
  };
  const onResize = () => {
    rows.clamp();
    painter.overwritten('all');
  };
  stdout.on('resize', onResize);
  const stream = new Proxy(stdout, {
    get(target, prop) {
      if (prop === 'write') return write;
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
    set(target, prop, value) {
      return Reflect.set(target, prop, value, target);
    },
  });
  return { stream, close: () => void stdout.off('resize', onResize) };
}

/** The painter the live pane draws with; none (tests, or no terminal): the pane renders through Ink. */
export const PanePainterContext = createContext<PanePainter | null>(null);
