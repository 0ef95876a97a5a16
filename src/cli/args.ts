import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../engine/index.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Strict argv parsing; any problem becomes a UsageError naming the command and the argument. */
export function parseCommandArgs<O extends Options>(
  command: string,
  args: string[],
  options: O,
  positionals: { min?: number; max?: number; names?: string } = {},
) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (err) {
    const msg = (err as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${command}: ${msg} (see \`flotilla ${command} --help\`)`);
  }
  const help = Boolean((parsed.values as Record<string, unknown>).help);
  if (!help) {
    const n = parsed.positionals.length;
    if (positionals.min !== undefined && n < positionals.min) {
      throw new UsageError(`${command}: missing ${positionals.names ?? 'argument'} (see \`flotilla ${command} --help\`)`);
    }
    if (positionals.max !== undefined && n > positionals.max) {
      throw new UsageError(`${command}: unexpected argument "${parsed.positionals[positionals.max]}" (see \`flotilla ${command} --help\`)`);
    }
  }
  return { values: parsed.values, positionals: parsed.positionals, help };
}
