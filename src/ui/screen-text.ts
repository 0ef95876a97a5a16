/**
 * Helpers for SGR-styled screen lines (as in ScreenSnapshot.lines): find a visible column and draw
 * the cursor there as an inverse cell, keeping the line's own escape sequences intact.
 */

// eslint-disable-next-line no-control-regex
const ESCAPE = /^\x1b\[[0-9;:?]*[ -/]*[@-~]/;

/** Symbols drawn as emoji (two columns) among the BMP's, e.g. ⚡ ⌛ ✅ ⭐ (not ☺ or ✓, one column). */
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;

/** Columns a code point takes: 2 for East Asian wide and emoji, 0 for combining marks, else 1. */
export function charWidth(cp: number): number {
  if (cp === 0 || (cp >= 0x300 && cp <= 0x36f) || cp === 0x200d || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd) ||
    (cp >= 0x231a && cp <= 0x2b55 && EMOJI_PRESENTATION.test(String.fromCodePoint(cp)))
  ) {
    return 2;
  }
  return 1;
}

/** The line with the cell at column `x` drawn inverse (padding with spaces when the line is shorter). */
export function withCursor(line: string, x: number): string {
  let col = 0;
  let i = 0;
  while (i < line.length) {
    const esc = ESCAPE.exec(line.slice(i));
    if (esc) {
      i += esc[0].length;
      continue;
    }
    const cp = line.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const w = charWidth(cp);
    if (w > 0 && col + w > x) {
      return `${line.slice(0, i)}\x1b[7m${ch}\x1b[27m${line.slice(i + ch.length)}`;
    }
    col += w;
    i += ch.length;
  }
  return `${line}\x1b[0m${' '.repeat(Math.max(0, x - col))}\x1b[7m \x1b[27m`;
}
