import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/index.js';

export interface TermSize {
  cols: number;
  rows: number;
}

/** Without a fleet view ever opened in this repository: a common terminal size. */
export const DEFAULT_START_SIZE: TermSize = { cols: 120, rows: 40 };

/** Where the fleet view leaves the size of its agent pane, for sessions started elsewhere. */
export function paneSizeFile(stateDir: string): string {
  return join(stateDir, 'pane-size.json');
}

function valid(v: unknown): v is TermSize {
  const s = v as TermSize;
  return Boolean(s) && Number.isInteger(s.cols) && Number.isInteger(s.rows) && s.cols >= 20 && s.rows >= 5 && s.cols <= 1000 && s.rows <= 500;
}

/**
 * The size a new session starts with: the fleet view's pane size as last seen in this repository
 * (so an agent started from the CLI is already the size it will be shown at, and full-screen agents
 * never redraw over a reflowed first screen), else DEFAULT_START_SIZE. A missing or bad file counts
 * as none.
 */
export function readStartSize(stateDir: string): TermSize {
  try {
    const parsed = JSON.parse(readFileSync(paneSizeFile(stateDir), 'utf8')) as unknown;
    if (valid(parsed)) return { cols: parsed.cols, rows: parsed.rows };
  } catch {
    // none yet, or unreadable: the default
  }
  return { ...DEFAULT_START_SIZE };
}

/** Records the pane size (0600, atomic); sizes out of range are ignored. */
export async function writeStartSize(stateDir: string, size: TermSize): Promise<void> {
  if (!valid(size)) return;
  await writeFileAtomic(paneSizeFile(stateDir), `${JSON.stringify({ cols: size.cols, rows: size.rows })}\n`);
}
