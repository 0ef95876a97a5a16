import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where a worker saves screenshots for the `screenshots` gate: `.flotilla/screenshots/` inside its
 * own worktree (a folder it can write; `.flotilla/` is in the repository's git exclude, which every
 * worktree shares, so they are never committed). This one value is what the definition of done
 * tells the worker, what the gate reads and what the local forge puts in the PR description.
 */
export function screenshotsDir(worktree: string): string {
  return join(worktree, '.flotilla', 'screenshots');
}

export const IMAGE_EXT = /\.(png|jpe?g|gif|webp|svg)$/i;

/** The image files directly in `dir` (sorted), none when it does not exist. */
export async function listImages(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true }))
      .filter((e) => e.isFile() && IMAGE_EXT.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}
