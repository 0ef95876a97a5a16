import xterm from '@xterm/headless';
import type { ScreenSnapshot } from '../core/index.js';
import { serializeScreen } from './serialize.js';

const { Terminal } = xterm;
type TerminalType = InstanceType<typeof Terminal>;

export const SCROLLBACK_LINES = 2000;
export const MAX_CHANGES_PER_SECOND = 20;
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 128 * 1024;

/**
 * Headless terminals of disposed screens, reset, for the next screens of the same process: making
 * one took ~15 ms, paid for every row the fleet view followed. Keeps at most `max`.
 */
export class TerminalPool {
  private readonly spare: TerminalType[] = [];
  constructor(private readonly max = 2) {}

  take(cols: number, rows: number): TerminalType {
    const term = this.spare.pop();
    if (!term) return new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    if (term.cols !== cols || term.rows !== rows) term.resize(cols, rows);
    return term;
  }

  /** A terminal nothing uses any more (its own listeners gone, nothing left to parse). */
  give(term: TerminalType): void {
    if (this.spare.length >= this.max) {
      term.dispose();
      return;
    }
    term.reset(); // RIS: screen, scrollback, modes, charsets, cursor
    this.spare.push(term);
  }

  get size(): number {
    return this.spare.length;
  }
}

/**
 * A headless terminal fed with a session's output. Queries the program sends (cursor position,
 * device attributes) are answered through `reply`, which writes back into the pty.
 */
export class LiveScreen {
  readonly term: TerminalType;
  private listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private lastFire = 0;
  private disposed = false;

  private readonly subscriptions: Array<{ dispose(): void }>;

  /** `pool`: where the terminal comes from and goes back to when disposed (default: made and freed here). */
  constructor(
    cols: number,
    rows: number,
    reply: (data: string) => void,
    private readonly pool?: TerminalPool,
  ) {
    this.term = pool ? pool.take(cols, rows) : new Terminal({ cols, rows, scrollback: SCROLLBACK_LINES, allowProposedApi: true });
    this.subscriptions = [
      this.term.onData((data) => {
        if (!this.disposed) reply(data);
      }),
      this.term.onBinary((data) => {
        if (!this.disposed) reply(data);
      }),
    ];
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  private pending = 0;
  private paused = false;
  private flow: { pause(): void; resume(): void } | null = null;

  /**
   * Flow control: when more than HIGH_WATER bytes wait to be parsed, the source (a pty) is paused
   * until the parser catches up, so a flood of output never piles up in memory.
   */
  setFlowControl(flow: { pause(): void; resume(): void }): void {
    this.flow = flow;
  }

  write(data: string | Uint8Array): void {
    if (this.disposed) return;
    const size = data.length;
    this.pending += size;
    if (this.flow && !this.paused && this.pending > HIGH_WATER) {
      this.paused = true;
      this.flow.pause();
    }
    this.term.write(data, () => {
      this.pending -= size;
      if (this.paused && this.pending < LOW_WATER) {
        this.paused = false;
        this.flow?.resume();
      }
      this.changed();
    });
  }

  resize(cols: number, rows: number): void {
    if (this.disposed || cols < 1 || rows < 1) return;
    if (cols === this.term.cols && rows === this.term.rows) return;
    this.term.resize(cols, rows);
    this.changed();
  }

  /** Subscribes to changes, throttled to at most MAX_CHANGES_PER_SECOND calls. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Schedules a change notification (e.g. for a new subscriber). */
  changed(): void {
    if (this.disposed || this.listeners.size === 0 || this.timer) return;
    const gap = 1000 / MAX_CHANGES_PER_SECOND;
    const wait = Math.max(0, this.lastFire + gap - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      this.lastFire = Date.now();
      for (const l of [...this.listeners]) {
        try {
          l();
        } catch {
          // a broken subscriber must not stop the screen
        }
      }
    }, wait);
  }

  lines(ansi: boolean): string[] {
    const buf = this.term.buffer.active;
    return serializeScreen(buf, this.term.rows, this.term.cols, ansi);
  }

  /**
   * The screen, or with `top` the rows from that buffer line (0 = the oldest kept line; the live
   * screen starts at `scrollback`): a look back, without the cursor.
   */
  snapshot(top?: number): ScreenSnapshot {
    const buf = this.term.buffer.active;
    const core = (this.term as unknown as { _core?: { coreService?: { isCursorHidden?: boolean } } })._core;
    const from = top === undefined ? buf.baseY : Math.max(0, Math.min(buf.baseY, top));
    const live = from === buf.baseY;
    return {
      cols: this.term.cols,
      rows: this.term.rows,
      lines: live ? this.lines(true) : serializeScreen(buf, this.term.rows, this.term.cols, true, from),
      cursor: { x: buf.cursorX, y: buf.cursorY, visible: live && core?.coreService?.isCursorHidden !== true },
      scrollback: buf.baseY,
      top: from,
    };
  }

  /** Every kept line, scrollback and screen, as plain text (for a search in the scrollback). */
  history(): string[] {
    const buf = this.term.buffer.active;
    return serializeScreen(buf, buf.length, this.term.cols, false, 0);
  }

  /** Bytes that redraw this screen on a real terminal (used when attaching to a pty session). */
  redraw(): string {
    const buf = this.term.buffer.active;
    const rows = this.lines(true);
    let out = '\x1b[0m\x1b[H\x1b[2J';
    rows.forEach((line, y) => {
      out += `\x1b[${y + 1};1H${line}`;
    });
    out += `\x1b[${buf.cursorY + 1};${buf.cursorX + 1}H`;
    return out;
  }

  /** Resolves once everything written so far has been parsed. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.term.write('', () => resolve()));
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.paused) this.flow?.resume();
    this.paused = false;
    if (this.timer) clearTimeout(this.timer);
    this.listeners.clear();
    for (const sub of this.subscriptions) sub.dispose();
    // A terminal with output still queued for its parser is not handed on (it would parse it there).
    if (this.pool && this.pending === 0) this.pool.give(this.term);
    else this.term.dispose();
  }
}
