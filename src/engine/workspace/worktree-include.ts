import { existsSync } from 'node:fs';
import { cp, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import ignore from 'ignore';
import type { GitClient } from '../git/index.js';

/**
 * `.worktreeinclude` at the top of the repository (the convention of Claude Code and agent-deck):
 * gitignore syntax, naming which of the files git ignores are copied into each new worktree
 * (a local `.env`, `config/secrets.json`, a built asset). Files git tracks are in the worktree
 * already; files it does not ignore are never copied by this.
 */
export const WORKTREE_INCLUDE = '.worktreeinclude';

/** The pattern lines of a .worktreeinclude text (comments and blanks dropped). */
function patternLines(text: string): string[] {
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** Whether some pattern could match below `dir` ("config/" for "config/local/*.json"). */
function reachesInto(dir: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    const body = p.replace(/^!/, '').replace(/^\//, '');
    return body.startsWith(dir) || body.startsWith('**');
  });
}

async function walkFiles(root: string, rel: string, out: string[]): Promise<void> {
  for (const entry of await readdir(join(root, rel), { withFileTypes: true })) {
    const path = `${rel}${entry.name}`;
    if (entry.isDirectory()) await walkFiles(root, `${path}/`, out);
    else out.push(path);
  }
}

/**
 * The ignored paths of `repoRoot` that `.worktreeinclude` selects (folders end with "/"): one
 * `git ls-files --others --ignored --directory` lists what git ignores, folded into folders; the
 * `ignore` package matches each against the include patterns. A folder that does not match as a
 * whole is looked into only when a pattern names something below it.
 */
export async function worktreeIncludes(git: GitClient, repoRoot: string): Promise<string[]> {
  const file = join(repoRoot, WORKTREE_INCLUDE);
  if (!existsSync(file)) return [];
  const patterns = patternLines(await readFile(file, 'utf8'));
  if (patterns.length === 0) return [];
  const matcher = ignore().add(patterns);
  const out = await git.run(repoRoot, ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory']);
  const chosen: string[] = [];
  for (const entry of out.split('\0').filter(Boolean)) {
    if (entry === '.flotilla/' || entry.startsWith('.flotilla/')) continue;
    if (matcher.ignores(entry)) {
      chosen.push(entry);
      continue;
    }
    if (!entry.endsWith('/') || !reachesInto(entry, patterns)) continue;
    const files: string[] = [];
    await walkFiles(repoRoot, entry, files);
    chosen.push(...files.filter((f) => matcher.ignores(f)));
  }
  return chosen.sort();
}

/** Copies the `.worktreeinclude` selection from the main checkout into a new worktree; keeps what is there. */
export async function copyWorktreeIncludes(git: GitClient, repoRoot: string, worktree: string): Promise<string[]> {
  const paths = await worktreeIncludes(git, repoRoot);
  for (const p of paths) {
    await cp(join(repoRoot, p), join(worktree, p), { recursive: true, force: false, errorOnExist: false });
  }
  return paths;
}
