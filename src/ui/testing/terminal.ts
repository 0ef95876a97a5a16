import xterm from '@xterm/headless';

/**
 * A real terminal emulator (xterm's headless core) for tests that check what bytes do on a
 * screen: write them, then read rows back as text, or a cell's style.
 */
export class TestTerminal {
  readonly term: xterm.Terminal;

  constructor(cols: number, rows: number) {
    // convertEol: a tty turns "\n" into "\r\n" on its way out (ONLCR), as it does for Ink.
    this.term = new xterm.Terminal({ cols, rows, scrollback: 0, allowProposedApi: true, convertEol: true });
  }

  write(data: string): Promise<void> {
    return new Promise((resolve) => this.term.write(data, resolve));
  }

  /** Row `y` as text, trailing blanks kept (the full width). */
  row(y: number): string {
    return this.term.buffer.active.getLine(y)?.translateToString(false) ?? '';
  }

  rows(): string[] {
    return Array.from({ length: this.term.rows }, (_, y) => this.row(y));
  }

  cursor(): { x: number; y: number } {
    return { x: this.term.buffer.active.cursorX, y: this.term.buffer.active.cursorY };
  }

  /** Foreground palette colour of a cell (-1: default). */
  fg(x: number, y: number): number {
    const cell = this.term.buffer.active.getLine(y)?.getCell(x);
    return cell && !cell.isFgDefault() ? cell.getFgColor() : -1;
  }
}
