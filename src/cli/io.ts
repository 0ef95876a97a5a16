import { safeText } from '../engine/index.js';
import type { FirstPaint } from '../ui/first-paint.js';

/** Where a CLI command writes, and what it runs in. Tests pass their own. */
export interface CliIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Writes a line to stdout; on a real process every control character but newline and tab is removed on the way (safeText). */
  out(text: string): void;
  /** Writes a line to stderr (filtered like out). */
  err(text: string): void;
  /**
   * Writes text that carries flotilla's own escape sequences (colour of `diff`, `capture --ansi`)
   * unfiltered; every outside part of it must already have gone through safeText. Absent: out.
   */
  outStyled?(text: string): void;
  /** True when stdout is a terminal (colours, TUI). */
  isTTY: boolean;
  /** The fleet view's first frame, already on the terminal (bin/flotilla draws it before loading the CLI). */
  firstPaint?: FirstPaint | null;
}

const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);

export function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    env: process.env,
    // The last line of defence: whatever a formatter missed, no escape sequence or control byte
    // from outside text reaches the terminal through the CLI.
    out: (text) => void process.stdout.write(line(safeText(text))),
    err: (text) => void process.stderr.write(line(safeText(text))),
    // Unfiltered: callers pass flotilla's own sequences around text that went through safeText (safeStyledText, colourPatch, terminalAlert).
    outStyled: (text) => void process.stdout.write(line(text)),
    isTTY: Boolean(process.stdout.isTTY),
  };
}

export interface CliCommand {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Full help shown by `flotilla <name> --help`. */
  help: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, error: 1, usage: 2, needsHuman: 3 } as const;
