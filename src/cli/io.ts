/** Where a CLI command writes, and what it runs in. Tests pass their own. */
export interface CliIO {
  cwd: string;
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
  /** True when stdout is a terminal (colours, TUI). */
  isTTY: boolean;
}

export function processIO(): CliIO {
  return {
    cwd: process.cwd(),
    env: process.env,
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => void process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
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
