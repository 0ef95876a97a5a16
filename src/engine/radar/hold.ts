import type { Task } from '../core/index.js';

/** The reason prefix of a task that `conflicts.hold` keeps queued. */
export const HELD_PREFIX = 'held:';

const LIVE: ReadonlySet<Task['state']> = new Set(['running', 'checking', 'ready']);

/** A hint path covers a file when equal, or when it names a folder ("src/auth/") the file is in. */
function covers(hint: string, file: string): boolean {
  return hint === file || (hint.endsWith('/') && file.startsWith(hint));
}

/** The files of `mine` (hints) that touch `theirs` (hints or changed files), both ways round. */
export function touching(mine: readonly string[], theirs: readonly string[]): string[] {
  const out = new Set<string>();
  for (const a of mine) for (const b of theirs) if (covers(a, b) || covers(b, a)) out.add(a.length >= b.length ? a : b);
  return [...out].sort();
}

/**
 * Why `conflicts.hold` keeps a task from starting (pure): its `--files` hint overlaps the files a
 * live sibling on the same base changed (the radar's attempt.changed) or was hinted to change.
 * Null when it may start. Tasks without a hint are never held.
 */
export function holdReason(task: Task, all: readonly Task[]): string | null {
  const hint = task.files ?? [];
  if (hint.length === 0) return null;
  for (const other of all) {
    if (other.id === task.id || other.base !== task.base || !LIVE.has(other.state)) continue;
    if (other.pr && other.pr.state !== 'open') continue;
    const theirs = [...(other.files ?? []), ...(other.attempts.at(-1)?.changed?.files ?? [])];
    const common = touching(hint, theirs);
    if (common.length) {
      const shown = common.slice(0, 3).join(', ') + (common.length > 3 ? ', …' : '');
      return `${HELD_PREFIX} its files overlap live ${other.id} (${shown}); starts when ${other.id} is merged or ends (conflicts.hold)`;
    }
  }
  return null;
}
