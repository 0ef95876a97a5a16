import type { Task } from '../engine/index.js';
import { commandAvailable, runCommand } from './commands.js';
import type { UiFleet } from './types.js';
import { notify, type UiStore } from './ui-store.js';

/**
 * Multi-select: the tasks s, x and r act on (the marked ones still listed, else the selected one),
 * and running one command over several tasks with one summary line.
 */
export function targetTasks(ui: UiStore, visible: readonly Task[], selected: Task | undefined): Task[] {
  const marked = new Set(ui.getState().marked);
  const hits = visible.filter((t) => marked.has(t.id));
  if (hits.length) return hits;
  return selected ? [selected] : [];
}

export function toggleMark(ui: UiStore, id: string): void {
  const marked = ui.getState().marked;
  ui.setState({ marked: marked.includes(id) ? marked.filter((m) => m !== id) : [...marked, id] });
}

/** "a1" or "3 tasks". */
export function describeTargets(ids: readonly string[]): string {
  return ids.length === 1 ? ids[0]! : `${ids.length} tasks`;
}

/**
 * Runs `type` for each id (in parallel, as the CLI's stop does); one notice for a single task, or
 * "<verb> n of m" for several (an error notice names the first failure). Marks are cleared.
 */
export async function runForEach(
  fleet: UiFleet,
  ui: UiStore,
  type: string,
  ids: readonly string[],
  input: (id: string) => Record<string, unknown>,
  verb: string,
  check: (result: unknown, id: string) => string | null = () => null,
): Promise<void> {
  ui.setState({ marked: [] });
  if (ids.length === 1) {
    const id = ids[0]!;
    const result = await runCommand(fleet, ui, type, input(id));
    if (result === undefined) return; // runCommand said what went wrong
    const problem = check(result, id);
    notify(ui, problem ?? `${verb} ${id}`, problem ? 'error' : 'info');
    return;
  }
  const problems: string[] = [];
  await Promise.all(
    ids.map(async (id) => {
      const result = await runCommand(fleet, ui, type, input(id));
      if (result === undefined) problems.push(`${id}: ${ui.getState().notice?.text ?? 'failed'}`);
      else {
        const problem = check(result, id);
        if (problem) problems.push(problem);
      }
    }),
  );
  const done = ids.length - problems.length;
  notify(ui, `${verb} ${done} of ${ids.length} tasks${problems.length ? `; ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}` : ''}`, problems.length ? 'error' : 'info');
}

/** A retry that escalated (cap reached) says so instead of a silent "retrying". */
export function retryProblem(result: unknown, id: string): string | null {
  const r = result as { outcome?: string; reason?: string; queued?: string };
  if (r?.outcome === 'escalated') return `${id} escalated: ${r.reason ?? 'past its cap'} (r offers a forced retry)`;
  return null;
}

/**
 * Stops the agents of these tasks: one `task.stop` for one task; for several, one `task.stop-many`
 * (the agents end in parallel and the registry is written once), one summary line. Marks are cleared.
 */
export async function stopTargets(fleet: UiFleet, ui: UiStore, ids: readonly string[]): Promise<void> {
  if (ids.length === 1 || !commandAvailable(fleet, 'task.stop-many')) return runForEach(fleet, ui, 'task.stop', ids, (id) => ({ id }), 'stopped');
  ui.setState({ marked: [] });
  notify(ui, `stopping ${ids.length} tasks…`);
  const outcomes = (await runCommand(fleet, ui, 'task.stop-many', { ids: [...ids] })) as Array<{ id: string; ok: boolean; error?: string }> | undefined;
  if (!Array.isArray(outcomes)) return; // runCommand said what went wrong
  const problems = outcomes.filter((o) => !o.ok).map((o) => `${o.id}: ${o.error ?? 'failed'}`);
  const done = outcomes.length - problems.length;
  notify(ui, `stopped ${done} of ${outcomes.length} tasks${problems.length ? `; ${problems[0]}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}` : ''}`, problems.length ? 'error' : 'info');
}
