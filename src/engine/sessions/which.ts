import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The full path of `command` on PATH (or relative to cwd when it has a slash), or null when missing. */
export function findExecutable(command: string, options: { cwd: string; path?: string | undefined }): string | null {
  const candidates = command.includes('/')
    ? [isAbsolute(command) ? command : resolve(options.cwd, command)]
    : (options.path ?? process.env.PATH ?? '').split(delimiter).filter(Boolean).map((dir) => join(dir, command));
  for (const file of candidates) {
    try {
      if (!statSync(file).isFile()) continue;
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not this one
    }
  }
  return null;
}
