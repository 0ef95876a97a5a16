import { UsageError, requireTask } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { assertTaskId } from '../core/index.js';
import { safeText } from '../core/index.js';

/**
 * The difference between two attempts of a task, over their branches (kept after a retry): what
 * the attempts themselves did, not what base did meanwhile. Against base (one attempt) it is
 * `git diff base...branch` (since the branch forked); between two attempts, `git diff A B` limited
 * to the files either attempt changed since it forked from base, so changes that reached one of
 * them through a rebase onto a newer base stay out. Used by `flotilla diff` and the TUI's `d` key.
 */

export interface AttemptDiff {
  taskId: string;
  /** Attempt numbers; 0 stands for the task's base branch (when there is one attempt only). */
  from: number;
  to: number;
  fromRef: string;
  toRef: string;
  /** `git diff --stat` */
  stat: string;
  /**
   * The patch; with ANSI colours when asked. File contents are outside text: git is always asked
   * for plain output, which goes through safeText, and the colours are flotilla's own, added after.
   */
  patch: string;
  /** Ready to show: a header line, the stat and the patch ("(no difference)" when equal). */
  text: string;
}

/** "2", "a2" or "#2" -> 2. */
export function parseAttemptRef(value: string): number {
  const m = /^(?:a|#)?(\d+)$/i.exec(value.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`"${value}" is not an attempt number (1, 2, ... or a1, a2, ...)`);
  return n;
}

export async function diffAttempts(
  ctx: FleetContext,
  taskId: string,
  a?: number,
  b?: number,
  options: { color?: boolean } = {},
): Promise<AttemptDiff> {
  assertTaskId(taskId, 'task');
  const task = requireTask(await ctx.registry.read(), taskId);
  if (!task.attempts.length) throw new UsageError(`task ${taskId} has no attempts yet`);
  const ns = task.attempts.map((x) => x.n);
  const last = ns[ns.length - 1]!;
  let from: number;
  let to: number;
  if (a === undefined && b === undefined) {
    to = last;
    from = ns.length > 1 ? ns[ns.length - 2]! : 0;
  } else if (a !== undefined && b === undefined) {
    from = a;
    to = last;
  } else {
    from = a!;
    to = b!;
  }
  const refOf = (n: number): string => {
    if (n === 0) return task.base;
    const attempt = task.attempts.find((x) => x.n === n);
    if (!attempt) throw new UsageError(`task ${taskId} has no attempt ${n} (attempts: ${ns.join(', ')})`);
    return attempt.branch;
  };
  const fromRef = refOf(from);
  const toRef = refOf(to);
  for (const ref of [fromRef, toRef]) {
    if (!(await ctx.git.resolveCommit(ctx.paths.root, ref))) throw new UsageError(`branch ${ref} no longer exists in ${ctx.paths.root}`);
  }
  const root = ctx.paths.root;
  const range = from === 0 ? [`${fromRef}...${toRef}`] : [fromRef, toRef];
  // Between two attempts: the files either one changed since forking from base (null: base is
  // gone, so the whole trees are compared).
  let paths: string[] | null = null;
  if (from !== 0 && (await ctx.git.resolveCommit(root, task.base))) {
    const changed = async (ref: string) => (await ctx.git.run(root, ['diff', '--name-only', '-z', `${task.base}...${ref}`, '--'])).split('\0').filter(Boolean);
    paths = [...new Set([...(await changed(fromRef)), ...(await changed(toRef))])].sort();
  }
  const diff = async (extra: string[]) =>
    paths?.length === 0 ? '' : safeText(await ctx.git.run(root, ['diff', '--no-color', ...extra, ...range, '--', ...(paths ?? [])]));
  const stat = await diff(['--stat']);
  const plain = await diff([]);
  const patch = options.color ? colourPatch(plain) : plain;
  const label = (n: number, ref: string) => (n === 0 ? `base ${ref}` : `attempt ${n} (${ref})`);
  const header = `${taskId}: ${label(from, fromRef)} -> ${label(to, toRef)}`;
  const text = patch.trim() ? `${header}\n${stat}\n${patch}` : `${header}\n(no difference)`;
  return { taskId, from, to, fromRef, toRef, stat, patch, text };
}

const SGR = { bold: '\x1b[1m', cyan: '\x1b[36m', green: '\x1b[32m', red: '\x1b[31m', reset: '\x1b[m' } as const;

/** Colours a plain (already safe) unified diff the way `git diff --color` does: headers bold, hunks cyan, + green, - red. */
export function colourPatch(patch: string): string {
  let inHeader = false;
  return patch
    .split('\n')
    .map((line) => {
      if (line.startsWith('diff --git ')) inHeader = true;
      else if (line.startsWith('@@')) inHeader = false;
      if (inHeader) return `${SGR.bold}${line}${SGR.reset}`;
      if (line.startsWith('@@')) {
        const end = line.indexOf('@@', 2);
        return end > 0 ? `${SGR.cyan}${line.slice(0, end + 2)}${SGR.reset}${line.slice(end + 2)}` : `${SGR.cyan}${line}${SGR.reset}`;
      }
      if (line.startsWith('+')) return `${SGR.green}${line}${SGR.reset}`;
      if (line.startsWith('-')) return `${SGR.red}${line}${SGR.reset}`;
      return line;
    })
    .join('\n');
}
