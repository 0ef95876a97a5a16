import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/**
 * The flotilla package folder (holding package.json, bin/, dist/, assets/), found by walking up
 * from this module's location. That works from src/ (tests), dist/ (tsc output) and dist/bundle/
 * (the bundled CLI) alike, so no caller counts `..` levels.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'flotilla') return (cached = dir);
      } catch {
        // keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the flotilla package root');
    dir = up;
  }
}

/** The `bin/flotilla` launcher, for commands that tell agents or hooks how to call flotilla. */
export function flotillaBin(): string {
  return join(packageRoot(), 'bin', 'flotilla');
}

/** A file shipped under assets/ (the demo agent and reviewer). */
export function assetPath(...rel: string[]): string {
  return join(packageRoot(), 'assets', ...rel);
}

/** A compiled helper script under dist/ (run as `node <script>` by agents' hooks and tmux). */
export function distScript(...rel: string[]): string {
  return join(packageRoot(), 'dist', ...rel);
}

/** Quotes one word for /bin/sh (single quotes; embedded quotes closed and escaped). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\/.,:=+-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
