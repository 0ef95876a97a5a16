/** Pure parsers of the git output the monitor reads. */

export interface StatusSummary {
  /** HEAD commit of the worktree, or null before the first commit. */
  head: string | null;
  /** Branch checked out, or null when detached. */
  branch: string | null;
  /** Changed, staged, unmerged or untracked paths. */
  dirty: string[];
}

/** Parses `git status --porcelain=v2 --branch -z`. */
export function parseStatusV2(output: string): StatusSummary {
  const out: StatusSummary = { head: null, branch: null, dirty: [] };
  const fields = output.split('\0');
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (!f) continue;
    if (f.startsWith('# branch.oid ')) {
      const oid = f.slice('# branch.oid '.length);
      out.head = oid === '(initial)' ? null : oid;
    } else if (f.startsWith('# branch.head ')) {
      const head = f.slice('# branch.head '.length);
      out.branch = head === '(detached)' ? null : head;
    } else if (f.startsWith('1 ')) {
      out.dirty.push(f.split(' ').slice(8).join(' '));
    } else if (f.startsWith('2 ')) {
      out.dirty.push(f.split(' ').slice(9).join(' '));
      i++; // the original path follows as its own field
    } else if (f.startsWith('u ')) {
      out.dirty.push(f.split(' ').slice(10).join(' '));
    } else if (f.startsWith('? ')) {
      out.dirty.push(f.slice(2));
    }
  }
  return out;
}

/** Parses `git rev-list --left-right --count base...head`: "<behind>\t<ahead>". */
export function parseLeftRight(output: string): { behind: number; ahead: number } | null {
  const m = /^(\d+)\s+(\d+)\s*$/.exec(output.trim());
  if (!m) return null;
  return { behind: Number(m[1]), ahead: Number(m[2]) };
}

/** Parses `git for-each-ref --format=%(refname)%00%(objectname)` lines into a map. */
export function parseRefs(output: string): Map<string, string> {
  const refs = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [name, sha] = line.split('\0');
    if (name && sha) refs.set(name, sha);
  }
  return refs;
}

/**
 * Parses `git merge-tree --write-tree --name-only -z --no-messages`: the tree id, then the
 * conflicting paths (exit 1 means conflicts).
 */
export function parseMergeTree(output: string): string[] {
  const fields = output.split('\0').filter(Boolean);
  return [...new Set(fields.slice(1))];
}
