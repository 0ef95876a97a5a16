import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PanePainter, fitLine, inkStdout } from './pane-painter.js';
import { TerminalRows } from './terminal-rows.js';
import { TestTerminal } from './testing/terminal.js';

const region = { top: 2, left: 10, cols: 12, rows: 4 };

/** A painter writing into a real terminal emulator, with the bytes kept. */
function setup(cols = 30, rows = 8) {
  const term = new TestTerminal(cols, rows);
  const chunks: string[] = [];
  const painter = new PanePainter({ write: (s: string) => void chunks.push(s) });
  const flush = async () => {
    for (const c of chunks.splice(0)) await term.write(c);
  };
  return { term, chunks, painter, flush };
}

describe('PanePainter', () => {
  it('paints the lines into the region, each at its place, and leaves the cursor and the rest alone', async () => {
    const { term, painter, flush } = setup();
    await term.write('x'.repeat(30) + '\r\n' + 'y'.repeat(30) + '\r\n' + 'z'.repeat(30) + '\x1b[6;4H');
    painter.setRegion(region);
    painter.paint(['\x1b[0;32mgreen\x1b[0m', 'second line', '', 'last']);
    await flush();
    expect(term.row(2)).toBe(`${'z'.repeat(10)}green       ${'z'.repeat(8)}`); // the region's old cells erased
    expect(term.row(3).slice(10, 22)).toBe('second line ');
    expect(term.row(4).slice(10, 22)).toBe(' '.repeat(12));
    expect(term.row(5).slice(10, 22)).toBe('last        ');
    expect(term.row(0)).toBe('x'.repeat(30));
    expect(term.fg(10, 2)).toBe(2); // SGR kept
    expect(term.fg(15, 2)).toBe(-1); // and reset after the line
    expect(term.cursor()).toEqual({ x: 3, y: 5 }); // restored
  });

  it('writes only the rows that changed', () => {
    const { painter, chunks } = setup();
    painter.setRegion(region);
    painter.paint(['a', 'b', 'c', 'd']);
    expect(chunks).toHaveLength(1);
    chunks.length = 0;
    painter.paint(['a', 'B', 'c', 'd']);
    expect(chunks).toEqual([`\x1b7\x1b[4;11H\x1b[0m\x1b[12XB\x1b[0m\x1b8`]);
    chunks.length = 0;
    painter.paint(['a', 'B', 'c', 'd']);
    expect(chunks).toEqual([]);
  });

  it('repaints the rows something else wrote over, and all of them after a clear or a new region', async () => {
    const { term, painter, chunks, flush } = setup();
    painter.setRegion(region);
    painter.paint(['one', 'two', 'three', 'four']);
    await flush();
    await term.write('\x1b[4;1H\x1b[2K'); // row 3 erased by someone else
    expect(term.row(3).trim()).toBe('');
    painter.overwritten(new Set([0, 3, 7])); // rows outside the region are not the painter's
    expect(chunks.join('')).toContain('\x1b[4;11H');
    expect(chunks.join('')).not.toContain('\x1b[3;11H');
    await flush();
    expect(term.row(3).slice(10, 22)).toBe('two         ');
    painter.overwritten('all');
    expect(chunks.join('').match(/\x1b\[\d+;11H/g)).toHaveLength(4);
    chunks.length = 0;
    painter.setRegion({ ...region, top: 1 });
    expect(chunks.join('').match(/\x1b\[\d+;11H/g)).toEqual(['\x1b[2;11H', '\x1b[3;11H', '\x1b[4;11H', '\x1b[5;11H']);
  });

  it('paints nothing without a region or lines, and again once both are there', () => {
    const { painter, chunks } = setup();
    painter.paint(['early']);
    expect(chunks).toEqual([]);
    painter.setRegion(region);
    expect(chunks.join('')).toContain('early');
    chunks.length = 0;
    painter.paint(null);
    painter.overwritten('all');
    expect(chunks).toEqual([]);
    painter.setRegion(null);
    painter.paint(['gone']);
    expect(chunks).toEqual([]);
  });
});

describe('fitLine', () => {
  it('cuts to the width, wide characters whole, and keeps SGR', () => {
    expect(fitLine('abcdef', 4)).toBe('abcd\x1b[0m');
    expect(fitLine('\x1b[1mab\x1b[0mcd', 3)).toBe('\x1b[1mab\x1b[0mc\x1b[0m');
    expect(fitLine('a漢字', 4)).toBe('a漢\x1b[0m'); // 字 would straddle the edge
    expect(fitLine('ok', 10)).toBe('ok\x1b[0m');
  });

  it('drops every other escape sequence and control character', () => {
    const hostile = 'a\x1b[2J\x1b]0;title\x07b\x1b]8;;http://x\x1b\\c\x07\x08\x9b31md\x1b[5;5He\x1bPf\r\n';
    const out = fitLine(hostile, 40);
    // The C1 CSI goes, its parameters stay as plain text; ESC P (DCS) goes with its escape.
    expect(out).toBe('abc31mdef\x1b[0m');
    expect(out).not.toMatch(/[\x00-\x08\x0a-\x1a\x7f-\x9f]/);
  });
});

describe('TerminalRows', () => {
  it("follows Ink's incremental writer: rows written, rows skipped", () => {
    const rows = new TerminalRows(() => 10);
    // A first frame of 9 lines, then an update of line 3 only (cursor up to the top, next-line past the rest).
    const first = Array.from({ length: 9 }, (_, i) => `line ${i}\n`).join('');
    expect(rows.feed(first)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]));
    const update = '\x1b[9A' + '\x1b[E'.repeat(3) + '\x1b[1Gline 3 changed\x1b[K\n' + '\x1b[E'.repeat(5);
    expect(rows.feed(update)).toEqual(new Set([3]));
    expect(rows.feed('\x1b[?2026h\x1b[?25l\x1b[?2026l')).toEqual(new Set());
    // Erasing lines upwards (Ink's clear) touches each.
    expect(rows.feed('\x1b[2K\x1b[1A\x1b[2K\x1b[1A\x1b[2K\x1b[G')).toEqual(new Set([9, 8, 7]));
  });

  it('treats what it cannot place as every row', () => {
    const rows = new TerminalRows(() => 5);
    expect(rows.feed('\x1b[2J')).toBe('all');
    expect(rows.feed('\x1b[H\n\n\n\n\n')).toBe('all'); // the last newline scrolls
    expect(rows.feed('\x1b[S')).toBe('all');
    expect(rows.feed('\x1b[?1049h')).toBe('all');
    expect(rows.feed('\x1b[3;1Hx\x1b7\x1b[1;1Hy\x1b8z')).toEqual(new Set([2, 0]));
  });

  it('keeps the cursor inside a smaller screen after a resize', () => {
    let height = 10;
    const rows = new TerminalRows(() => height);
    rows.feed('\x1b[10;1H');
    height = 5;
    rows.clamp();
    expect(rows.feed('x')).toEqual(new Set([4]));
  });
});

describe('inkStdout', () => {
  it("passes writes through and repaints the pane rows each one covered; the rest is the stream's own", async () => {
    const term = new TestTerminal(30, 8);
    const out = Object.assign(new EventEmitter(), {
      columns: 30,
      rows: 8,
      isTTY: true,
      written: [] as string[],
      write(s: string) {
        this.written.push(s);
        return true;
      },
    });
    const painter = new PanePainter(out);
    const ink = inkStdout(out as unknown as NodeJS.WriteStream, painter);
    expect(ink.stream.columns).toBe(30);
    expect(ink.stream.isTTY).toBe(true);
    painter.setRegion(region);
    painter.paint(['p0', 'p1', 'p2', 'p3']);
    // A frame written over everything (as Ink's first one is): every pane row painted again after it.
    ink.stream.write(Array.from({ length: 7 }, (_, i) => `${String(i).repeat(30)}\n`).join(''));
    for (const c of out.written) await term.write(c);
    out.written.length = 0;
    expect(term.rows().slice(2, 6).map((r) => r.slice(10, 22).trim())).toEqual(['p0', 'p1', 'p2', 'p3']);
    expect(term.row(2).slice(0, 10)).toBe('2222222222');
    // An incremental update of row 4: that pane row only is repainted.
    ink.stream.write('\x1b[7A\x1b[E\x1b[E\x1b[E\x1b[E\x1b[1G' + 'L'.repeat(30) + '\x1b[K\n\x1b[E\x1b[E');
    expect(out.written.join('').match(/\x1b\[\d+;11H/g)).toEqual(['\x1b[5;11H']);
    for (const c of out.written) await term.write(c);
    expect(term.row(4)).toBe(`${'L'.repeat(10)}p2          ${'L'.repeat(8)}`);
    // A resize repaints the whole region.
    out.written.length = 0;
    out.emit('resize');
    expect(out.written.join('').match(/\x1b\[\d+;11H/g)).toHaveLength(4);
    ink.close();
    expect(out.listenerCount('resize')).toBe(0);
  });
});
