import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../engine/index.js';
import { ConfigError, FlotillaError, RegistryError, UsageError, errorMessage } from '../engine/index.js';
import { COMMANDS } from './commands/index.js';
import { safeLine } from '../engine/index.js';
import { EXIT, processIO, type CliIO } from './io.js';
import type { FirstPaint } from '../ui/first-paint.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `flotilla ${version()}: a terminal fleet manager for coding agents

Usage: flotilla [command] [options]     (no command: open the fleet view)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run \`flotilla <command> --help\` for a command's options.`;
}

/** Turns any error into one line on stderr and an exit code. */
export function reportError(err: unknown, io: CliIO): number {
  // One line, whatever outside text the message quotes (a config key, a task id, gh's stderr).
  const message = safeLine(errorMessage(err).split('\n')[0] ?? '', 2000) || 'unknown error';
  io.err(`flotilla: ${message}`);
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof ConfigError || err instanceof RegistryError || err instanceof FlotillaError) return EXIT.error;
  if (io.env.FLOTILLA_DEBUG && err instanceof Error && err.stack) io.err(err.stack);
  return EXIT.error;
}

/**
 * Runs one command. `firstPaint`: the fleet view's first frame that bin/flotilla drew before loading
 * this module (only for the view); the view takes it over, and any error gives the terminal back first.
 */
export async function main(argv: string[], io: CliIO = processIO(), firstPaint: FirstPaint | null = null): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    const sub = rest[0] && COMMANDS.find((c) => c.name === rest[0]);
    io.out(sub ? (await sub.load()).help : usage());
    return EXIT.ok;
  }
  if (name === '--version' || name === '-V') {
    io.out(version());
    return EXIT.ok;
  }
  const entry = COMMANDS.find((c) => c.name === (name ?? 'ui'));
  if (!entry) {
    io.err(`flotilla: unknown command "${name}" (see \`flotilla --help\`)`);
    return EXIT.usage;
  }
  try {
    const command = await entry.load();
    return await command.run(rest, firstPaint ? { ...io, firstPaint } : io);
  } catch (err) {
    firstPaint?.undo();
    return reportError(err, io);
  }
}
