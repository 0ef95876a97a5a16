import { open, stat } from 'node:fs/promises';
import { basename, isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import { openNoFollow, UsageError } from '../core/index.js';
import { capText } from './text.js';

/** Reading evidence files and checking what the human hands a retry (--files, --doc). */

/** Largest document `--doc` accepts. */
export const DOC_FILE_CAP = 256 * 1024;

/**
 * Reads at most `maxBytes` from the end of a file; null when it cannot be read. Flotilla's own
 * files (attempt and check logs under .flotilla/) are read without following a link planted there;
 * `followLinks` is for a file the human names (--doc).
 */
export async function readTail(file: string, maxBytes: number, o: { followLinks?: boolean } = {}): Promise<string | null> {
  let handle;
  try {
    handle = o.followLinks ? await open(file, 'r') : await openNoFollow(file, 'r');
    const { size } = await handle.stat();
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return text;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

function isInside(dir: string, p: string): boolean {
  const rel = relative(dir, p);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/**
 * Validates a narrowed file scope: each path relative to the worktree (or absolute inside it or the
 * main checkout), never leaving it. Returns worktree-relative paths.
 */
export function checkFileScope(files: readonly string[], worktree: string, repoRoot: string): string[] {
  const out: string[] = [];
  for (const given of files) {
    const p = given.trim();
    if (!p) continue;
    let rel: string;
    if (isAbsolute(p)) {
      if (isInside(worktree, p)) rel = relative(worktree, p);
      else if (isInside(repoRoot, p)) rel = relative(repoRoot, p);
      else throw new UsageError(`--files ${given}: outside the task's worktree ${worktree}`);
    } else {
      rel = normalize(p);
      if (!isInside(worktree, resolve(worktree, rel))) throw new UsageError(`--files ${given}: outside the task's worktree ${worktree}`);
    }
    if (rel === '' || rel === '.') throw new UsageError(`--files ${given}: names the whole worktree, not a file or folder in it`);
    if (rel.split(sep).includes('.git')) throw new UsageError(`--files ${given}: inside .git`);
    out.push(rel.split(sep).join('/'));
  }
  return [...new Set(out)];
}

export async function readDoc(file: string, cwd: string, docChars: number): Promise<{ name: string; path: string; text: string }> {
  const full = resolve(cwd, file);
  let size: number;
  try {
    const info = await stat(full);
    if (!info.isFile()) throw new UsageError(`--doc ${file}: not a file`);
    size = info.size;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--doc ${file}: cannot read ${full} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (size > DOC_FILE_CAP) throw new UsageError(`--doc ${file}: ${size} bytes is over the ${DOC_FILE_CAP / 1024} KiB cap`);
  const text = (await readTail(full, DOC_FILE_CAP, { followLinks: true })) ?? '';
  if (text.includes('\u0000')) throw new UsageError(`--doc ${file}: a binary file`);
  return { name: basename(full), path: full, text: capText(text, docChars) };
}
