/**
 * Follows the cursor row through bytes written to a terminal and says which screen rows they
 * changed. The live pane's painter (pane-painter.ts) draws the agent's screen straight onto the
 * terminal, inside a region Ink keeps blank; Ink's incremental writer rewrites whole lines, so
 * each of its writes is fed through here to learn which rows of that region it wrote over.
 *
 * It reads what Ink emits (text, newlines, cursor up/down/next line/column, erase line, SGR,
 * synchronized-output and cursor-visibility modes) exactly; anything that may move or change
 * more than the line it is on (clear screen, scroll, insert/delete lines, absolute moves of
 * unknown origin) counts as "every row", so the painter repaints the whole region.
 */

export type RowsTouched = Set<number> | 'all';

// eslint-disable-next-line no-control-regex
const CSI = /^\x1b\[([0-?]*)([ -/]*)([@-~])/;
// eslint-disable-next-line no-control-regex
const TEXT_RUN = /[^\x1b\n\r\x07]*/y;

export class TerminalRows {
  /** Cursor row, 0-based from the top of the screen. */
  private row = 0;
  private saved = 0;

  constructor(private readonly height: () => number) {}

  /** Where the cursor is assumed to be (the caller puts it there, e.g. `ESC [ H` → 0). */
  reset(row = 0): void {
    this.row = row;
    this.saved = row;
  }

  /** The screen got smaller: the terminal keeps the cursor on its last row. */
  clamp(): void {
    const last = Math.max(0, this.height() - 1);
    this.row = Math.min(this.row, last);
    this.saved = Math.min(this.saved, last);
  }

  /** The rows `chunk` wrote to or erased, following the cursor through it. */
  feed(chunk: string): RowsTouched {
    const touched = new Set<number>();
    let all = false;
    const last = () => Math.max(0, this.height() - 1);
    const move = (to: number) => {
      this.row = Math.max(0, Math.min(last(), to));
    };
    let i = 0;
    while (i < chunk.length) {
      const ch = chunk.charCodeAt(i);
      if (ch === 0x1b) {
        const next = chunk[i + 1];
        if (next === '[') {
          const m = CSI.exec(chunk.slice(i, i + 64));
          if (!m) {
            all = true; // cut or malformed: be safe
            i += 2;
            continue;
          }
          i += m[0].length;
          const [, params = '', inter = '', final] = m;
          if (inter) {
            all = true;
            continue;
          }
          const n = params === '' ? 1 : Math.max(1, Number.parseInt(params, 10) || 1);
          switch (final) {
            case 'm': // style
            case 'G': // column
              break;
            case 'h':
            case 'l':
              // ?25 cursor, ?2026 synchronized output, mouse modes: no cell changes; anything else
              // (the alternate screen) may change them all.
              if (!/^\?(25|2026|1000|1002|1003|1006|2004)$/.test(params)) all = true;
              break;
            case 'A':
              move(this.row - n);
              break;
            case 'B':
              move(this.row + n);
              break;
            case 'E':
              move(this.row + n);
              break;
            case 'F':
              move(this.row - n);
              break;
            case 'K':
            case 'X':
              touched.add(this.row);
              break;
            case 'H':
            case 'f': {
              const r = params.split(';')[0];
              move(r ? (Number.parseInt(r, 10) || 1) - 1 : 0);
              break;
            }
            case 'J': {
              // Erase below (0) touches this row and every one under it; anything else: all.
              if (params === '' || params === '0') for (let r = this.row; r <= last(); r++) touched.add(r);
              else all = true;
              break;
            }
            default:
              all = true;
          }
          continue;
        }
        if (next === ']') {
          // OSC: up to BEL or ST; changes no cell.
          const bel = chunk.indexOf('\x07', i + 2);
          const st = chunk.indexOf('\x1b\\', i + 2);
          const end = bel < 0 ? st : st < 0 ? bel : Math.min(bel, st);
          i = end < 0 ? chunk.length : end + (end === bel ? 1 : 2);
          continue;
        }
        if (next === '7') this.saved = this.row;
        else if (next === '8') this.row = this.saved;
        else all = true;
        i += 2;
        continue;
      }
      if (ch === 0x0a) {
        if (this.row >= last()) all = true; // the screen scrolls
        move(this.row + 1);
        i++;
        continue;
      }
      if (ch === 0x0d || ch === 0x07) {
        i++;
        continue;
      }
      // Printable text (or a control we do not follow): this row changes, up to the next escape,
      // newline or carriage return.
      touched.add(this.row);
      TEXT_RUN.lastIndex = i;
      i = TEXT_RUN.exec(chunk) ? TEXT_RUN.lastIndex : chunk.length;
    }
    return all ? 'all' : touched;
  }
}
