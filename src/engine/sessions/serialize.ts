import type { IBuffer, IBufferCell } from '@xterm/headless';

/** Style of one cell, as the SGR parameters that produce it from a reset state. */
function cellSgr(cell: IBufferCell): string {
  const p: string[] = [];
  if (cell.isBold()) p.push('1');
  if (cell.isDim()) p.push('2');
  if (cell.isItalic()) p.push('3');
  if (cell.isUnderline()) p.push('4');
  if (cell.isInverse()) p.push('7');
  if (cell.isInvisible()) p.push('8');
  if (cell.isStrikethrough()) p.push('9');
  if (cell.isFgRGB()) {
    const c = cell.getFgColor();
    p.push(`38;2;${(c >> 16) & 255};${(c >> 8) & 255};${c & 255}`);
  } else if (cell.isFgPalette()) {
    const c = cell.getFgColor();
    p.push(c < 8 ? `${30 + c}` : c < 16 ? `${90 + c - 8}` : `38;5;${c}`);
  }
  if (cell.isBgRGB()) {
    const c = cell.getBgColor();
    p.push(`48;2;${(c >> 16) & 255};${(c >> 8) & 255};${c & 255}`);
  } else if (cell.isBgPalette()) {
    const c = cell.getBgColor();
    p.push(c < 8 ? `${40 + c}` : c < 16 ? `${100 + c - 8}` : `48;5;${c}`);
  }
  return p.join(';');
}

/**
 * One buffer row as text. With `ansi`, each change of style starts with a full SGR (reset first),
 * and the row ends reset, so every line stands alone. Trailing blank, unstyled cells are dropped.
 * Wide characters take their two cells; the empty second cell is skipped.
 */
export function serializeRow(buffer: IBuffer, row: number, cols: number, ansi: boolean, scratch?: IBufferCell): string {
  const line = buffer.getLine(row);
  if (!line) return '';
  const cell = scratch ?? buffer.getNullCell();
  // Find the last cell worth printing.
  let end = 0;
  for (let x = Math.min(cols, line.length) - 1; x >= 0; x--) {
    const c = line.getCell(x, cell);
    if (!c) continue;
    const blank = c.getChars() === '' || c.getChars() === ' ';
    if (!blank || (ansi && (!c.isBgDefault() || c.isInverse() || c.isUnderline()))) {
      end = x + 1;
      break;
    }
  }
  let out = '';
  let style = '';
  for (let x = 0; x < end; x++) {
    const c = line.getCell(x, cell);
    if (!c) continue;
    if (c.getWidth() === 0) continue;
    if (ansi) {
      const s = cellSgr(c);
      if (s !== style) {
        out += s ? `\x1b[0;${s}m` : '\x1b[0m';
        style = s;
      }
    }
    out += c.getChars() || ' ';
  }
  if (ansi && style) out += '\x1b[0m';
  return out;
}

/** The visible screen rows of a buffer (or `rows` rows from line `top`: a look into the scrollback). */
export function serializeScreen(buffer: IBuffer, rows: number, cols: number, ansi: boolean, top = buffer.baseY): string[] {
  const lines: string[] = [];
  const cell = buffer.getNullCell();
  for (let y = 0; y < rows; y++) lines.push(serializeRow(buffer, top + y, cols, ansi, cell));
  return lines;
}

/** Joins captured lines like `tmux capture-pane -p`: trailing empty lines dropped, newline-terminated. */
export function joinCapture(lines: string[]): string {
  const copy = [...lines];
  while (copy.length && copy[copy.length - 1] === '') copy.pop();
  return copy.length ? `${copy.join('\n')}\n` : '';
}
