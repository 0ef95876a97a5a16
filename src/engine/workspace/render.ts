import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { RENDER_PATTERN } from '../core/index.js';
import { writeFileAtomic } from '../fs/index.js';
import { WorkspaceError } from './worktrees.js';

/** Splits a `bootstrap.render` entry ("template → target"); null when it does not read that way. */
export function parseRenderEntry(entry: string): { template: string; target: string } | null {
  const m = RENDER_PATTERN.exec(entry);
  return m ? { template: m[1]!, target: m[2]! } : null;
}

/** Fills `${NAME}` placeholders whose NAME is in `vars`; others are left as they are. */
export function fillPlaceholders(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name]! : whole));
}

function inside(dir: string, path: string, entry: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (isAbsolute(path) || rel.startsWith('..') || rel === '') {
    throw new WorkspaceError(`bootstrap.render "${entry}": ${path} must be a file inside the worktree`);
  }
  return full;
}

/**
 * Writes each target from its template with the attempt's variables filled in. The template is read
 * from the worktree (a committed `.env.example`), else from the main checkout (an ignored one).
 * Targets are written 0600 (they often hold secrets). Returns the targets written.
 */
export async function renderTemplates(
  o: { repoRoot: string; worktree: string; entries: readonly string[]; vars: Readonly<Record<string, string>> },
): Promise<string[]> {
  const written: string[] = [];
  for (const entry of o.entries) {
    const parsed = parseRenderEntry(entry);
    if (!parsed) throw new WorkspaceError(`bootstrap.render "${entry}": must read "template → target"`);
    const inTree = inside(o.worktree, parsed.template, entry);
    const inRoot = join(o.repoRoot, relative(o.worktree, inTree));
    const source = existsSync(inTree) ? inTree : existsSync(inRoot) ? inRoot : null;
    if (!source) throw new WorkspaceError(`bootstrap.render "${entry}": template ${parsed.template} exists neither in the worktree nor in ${o.repoRoot}`);
    const target = inside(o.worktree, parsed.target, entry);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, fillPlaceholders(await readFile(source, 'utf8'), o.vars));
    written.push(parsed.target);
  }
  return written;
}
