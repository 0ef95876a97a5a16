import { describe, expect, it } from 'vitest';
import { LiveScreen, TerminalPool } from './live-screen.js';
import { joinCapture } from './serialize.js';

async function screenOf(data: string, cols = 40, rows = 5) {
  const replies: string[] = [];
  const s = new LiveScreen(cols, rows, (r) => replies.push(r));
  s.write(data);
  await s.flush();
  return { s, replies };
}

describe('LiveScreen', () => {
  it('serializes 16, 256 and truecolor colours, bold, underline and inverse as SGR per line', async () => {
    const { s } = await screenOf('\x1b[1;31mA\x1b[0m\x1b[38;5;208mB\x1b[48;2;10;20;30mC\x1b[0m\x1b[4mD\x1b[24;7mE\x1b[0m\x1b[92mF\x1b[0m plain');
    const [line] = s.lines(true);
    expect(line).toBe('\x1b[0;1;31mA\x1b[0;38;5;208mB\x1b[0;38;5;208;48;2;10;20;30mC\x1b[0;4mD\x1b[0;7mE\x1b[0;92mF\x1b[0m plain');
    expect(s.lines(false)[0]).toBe('ABCDEF plain');
    s.dispose();
  });

  it('keeps wide characters whole and drops trailing blanks', async () => {
    const { s } = await screenOf('漢字 ok   \r\nnext');
    expect(s.lines(false).slice(0, 2)).toEqual(['漢字 ok', 'next']);
    expect(joinCapture(s.lines(false))).toBe('漢字 ok\nnext\n');
    s.dispose();
  });

  it('answers terminal queries through the reply channel', async () => {
    const { s, replies } = await screenOf('ab\x1b[6n');
    expect(replies.join('')).toBe('\x1b[1;3R');
    s.dispose();
  });

  it('caps scrollback and reports the cursor', async () => {
    const { s } = await screenOf(Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\r\n'));
    expect(s.term.buffer.active.length).toBeLessThanOrEqual(2000 + 5);
    const snap = s.snapshot();
    expect(snap.lines.at(-1)).toBe('line 4999');
    expect(snap.cursor).toEqual({ x: 9, y: 4, visible: true });
    s.dispose();
  });

  it('shows rows from a scrollback line (no cursor there) and gives every kept line for a search', async () => {
    const { s } = await screenOf(Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\r\n'));
    const live = s.snapshot();
    expect(live.lines.at(-1)).toBe('line 29');
    expect(live.scrollback).toBe(live.top);
    const back = s.snapshot(0);
    expect(back.lines[0]).toBe('line 0');
    expect(back.top).toBe(0);
    expect(back.cursor.visible).toBe(false);
    expect(s.snapshot(live.scrollback! + 50).lines).toEqual(live.lines); // clamped to the live screen
    const all = s.history();
    expect(all.indexOf('line 17')).toBe(17);
    expect(all.filter((l) => l.startsWith('line '))).toHaveLength(30);
    s.dispose();
  });

  it('throttles change notifications and resizes safely', async () => {
    const { s } = await screenOf('x');
    let calls = 0;
    s.onChange(() => calls++);
    for (let i = 0; i < 50; i++) s.write(`${i}\r\n`);
    await s.flush();
    await new Promise((r) => setTimeout(r, 120));
    expect(calls).toBeGreaterThan(0);
    expect(calls).toBeLessThan(50);
    s.resize(20, 3);
    expect([s.cols, s.rows]).toEqual([20, 3]);
    s.dispose();
    expect(() => s.resize(30, 4)).not.toThrow();
  });
});

describe('TerminalPool', () => {
  it('hands a disposed screen\'s terminal to the next screen, reset: nothing of the first session shows or answers', async () => {
    const pool = new TerminalPool();
    const firstReplies: string[] = [];
    const first = new LiveScreen(40, 5, (r) => firstReplies.push(r), pool);
    // Output, scrollback, the alternate screen, a title and bracketed paste: all state a reset must clear.
    first.write(`${Array.from({ length: 12 }, (_, i) => `secret ${i}`).join('\r\n')}\x1b]0;title\x07\x1b[?2004h\x1b[?1049h\x1b[31malt secret`);
    await first.flush();
    const term = first.term;
    first.dispose();
    expect(pool.size).toBe(1);
    const replies: string[] = [];
    const second = new LiveScreen(30, 4, (r) => replies.push(r), pool);
    expect(second.term).toBe(term);
    expect([second.cols, second.rows]).toEqual([30, 4]);
    expect(second.history().join('\n')).not.toContain('secret');
    expect(second.term.buffer.active.type).toBe('normal');
    second.write('\x1b[6n'); // a cursor position query: answered to the second screen's session only
    second.write('fresh');
    await second.flush();
    expect(second.snapshot()).toMatchObject({ lines: ['fresh', '', '', ''], scrollback: 0 });
    expect(replies).toEqual(['\x1b[1;1R']);
    expect(firstReplies).toEqual([]);
    second.dispose();
  });

  it('keeps at most its maximum, and never a terminal with output still to parse', () => {
    const pool = new TerminalPool(1);
    const a = new LiveScreen(10, 2, () => {}, pool);
    const b = new LiveScreen(10, 2, () => {}, pool);
    a.dispose();
    b.dispose();
    expect(pool.size).toBe(1);
    const c = new LiveScreen(10, 2, () => {}, pool);
    expect(pool.size).toBe(0);
    c.write('x'.repeat(100_000)); // parsed in later turns: still pending now
    c.dispose();
    expect(pool.size).toBe(0);
  });
});
