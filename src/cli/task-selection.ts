import { TASK_STATES, UsageError, assertTaskId, errorMessage, type Task, type TaskState } from '../engine/index.js';
import { EXIT, type CliIO } from './io.js';

/** The options every many-task command takes (start, stop, retry, rm). */
export const SELECTION_OPTIONS = {
  all: { type: 'boolean' },
  state: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
} as const;

export const SELECTION_HELP = `Tasks: one or more ids, or --all, or --state S / --tag T (repeatable: a task matches when its
state is one of the --state values and it has one of the --tag values).`;

export interface Selection {
  ids: string[];
  all?: boolean | undefined;
  state?: string[] | undefined;
  tag?: string[] | undefined;
}

/**
 * The ids a command acts on, in registry order for --all/--state/--tag and in the given order for
 * ids (duplicates dropped). Ids and selectors together, or neither, are a usage error; so is an
 * unknown state. An id not in the registry is kept: acting on it says "no task" for that one.
 */
export function selectTasks(command: string, tasks: readonly Task[], sel: Selection): string[] {
  const selectors = Boolean(sel.all) || Boolean(sel.state?.length) || Boolean(sel.tag?.length);
  if (sel.ids.length && selectors) throw new UsageError(`${command}: give task ids or --all/--state/--tag, not both`);
  if (!sel.ids.length && !selectors) throw new UsageError(`${command}: missing <task> (or --all, --state S, --tag T)`);
  if (sel.ids.length) return [...new Set(sel.ids.map((id) => assertTaskId(id, 'task')))];
  for (const s of sel.state ?? []) {
    if (!(TASK_STATES as readonly string[]).includes(s)) throw new UsageError(`${command}: --state ${s}: not a task state (one of ${TASK_STATES.join(', ')})`);
  }
  const states = sel.state?.length ? new Set(sel.state as TaskState[]) : null;
  const tags = sel.tag?.length ? new Set(sel.tag) : null;
  return tasks.filter((t) => (!states || states.has(t.state)) && (!tags || t.tags.some((g) => tags.has(g)))).map((t) => t.id);
}

/** One task's outcome: a line for stdout, or the error it hit. */
export type EachOutcome = { ok: true; line: string; code?: number } | { ok: false; error: unknown };

/**
 * Runs `act` for each id, at most `concurrency` at once, printing one line per task as each ends
 * (on stderr for a failure, `<id>: ` first when there are several). With more than one task a summary follows. Exit code: 0
 * when all succeeded, else the first failure's code (2 usage, 1 other).
 */
export async function forEachTask(
  io: CliIO,
  verb: string,
  ids: readonly string[],
  concurrency: number,
  act: (id: string) => Promise<{ line: string; code?: number }>,
  /**
   * Lanes instead of a worker count: ids of one lane one after the other, the lanes at once (a
   * start on each host in parallel, several on one host in turn).
   */
  laneOf?: (id: string) => string,
): Promise<number> {
  let failed = 0;
  let code: number = EXIT.ok;
  const lanes = new Map<string, string[]>();
  if (laneOf) for (const id of ids) lanes.set(laneOf(id), [...(lanes.get(laneOf(id)) ?? []), id]);
  const queues = laneOf ? [...lanes.values()] : Array.from({ length: Math.max(1, Math.min(concurrency, ids.length)) }, () => ids as string[]);
  // Without lanes the workers share one list.
  let next = 0;
  const worker = async (own: string[]) => {
    let mine = 0;
    for (;;) {
      const id = laneOf ? own[mine++] : ids[next++];
      if (id === undefined) break;
      try {
        const r = await act(id);
        io.out(r.line);
        if (r.code && r.code !== EXIT.ok) {
          failed++;
          if (code === EXIT.ok) code = r.code;
        }
      } catch (err) {
        failed++;
        const line = errorMessage(err).split('\n')[0] ?? 'failed';
        io.err(`flotilla: ${ids.length > 1 ? `${id}: ` : ''}${line}`);
        if (code === EXIT.ok) code = err instanceof UsageError ? EXIT.usage : EXIT.error;
      }
    }
  };
  await Promise.all(queues.map((q) => worker(q)));
  if (ids.length > 1) {
    const done = ids.length - failed;
    (failed ? io.err : io.out)(`${verb} ${done} of ${ids.length} task(s)${failed ? `; ${failed} failed` : ''}`);
  }
  return code;
}

/**
 * Prints outcomes gathered by a command that acted on several tasks at once (`stop`, `rm`): one
 * line per task in the given order (a failure on stderr, `<id>: ` first), then the summary, as
 * forEachTask does. Exit code: 0 when all succeeded, else the first failure's (2 usage, 1 other).
 */
export function reportOutcomes(io: CliIO, verb: string, outcomes: ReadonlyArray<{ id: string; line: string } | { id: string; error: string; usage: boolean }>): number {
  let failed = 0;
  let code: number = EXIT.ok;
  for (const o of outcomes) {
    if ('line' in o) {
      io.out(o.line);
      continue;
    }
    failed++;
    io.err(`flotilla: ${outcomes.length > 1 ? `${o.id}: ` : ''}${o.error}`);
    if (code === EXIT.ok) code = o.usage ? EXIT.usage : EXIT.error;
  }
  if (outcomes.length > 1) {
    const done = outcomes.length - failed;
    (failed ? io.err : io.out)(`${verb} ${done} of ${outcomes.length} task(s)${failed ? `; ${failed} failed` : ''}`);
  }
  return code;
}
