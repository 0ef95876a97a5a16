import type { Task } from '../engine/tasks/schema.js';
import { commandAvailable, runCommand } from './commands.js';
import { filterTasks, liveSession } from './format.js';
import { commandById, type CommandId } from './keys.js';
import type { UiFleet, UiRequest } from './types.js';
import { PANELS, emptyDraft, notify, type NewTaskDraft, type UiStore } from './ui-store.js';

export interface ActionContext {
  fleet: UiFleet;
  ui: UiStore;
  visible: readonly Task[];
  task: Task | undefined;
  onRequest(request: UiRequest): void;
}

/** Runs one keymap command of the fleet view. */
export function runAction(id: CommandId, ctx: ActionContext): void {
  const { fleet, ui, visible, task } = ctx;
  const command = commandById(id);
  if (command?.needsTask && !task) {
    notify(ui, `${command.label}: no task selected`, 'error');
    return;
  }
  const taskId = task?.id ?? '';
  switch (id) {
    case 'fleet.select-prev':
    case 'fleet.select-next': {
      if (visible.length === 0) return notify(ui, 'no task selected (the list is empty)', 'error');
      const i = visible.findIndex((t) => t.id === task?.id);
      const next = id === 'fleet.select-next' ? Math.min(visible.length - 1, i + 1) : Math.max(0, i - 1);
      ui.setState({ selectedId: visible[next]!.id });
      return;
    }
    case 'fleet.filter':
      ui.setState({ overlay: { kind: 'filter', text: ui.getState().filter } });
      return;
    case 'task.attach':
      if (!fleet.sessions) return notify(ui, 'attach: agent sessions not available yet in this build', 'error');
      if (!liveSession(task)) return notify(ui, `attach: ${taskId} has no live session (s starts it)`, 'error');
      ctx.onRequest({ kind: 'attach', taskId });
      return;
    case 'task.new': {
      const draft = ui.getState().draft;
      const fresh = !draft.title && !draft.prompt;
      ui.setState({
        overlay: { kind: 'new-task' },
        draft: fresh ? emptyDraft(draft.agent || fleet.config.defaultAgent, draft.base || fleet.config.baseBranch) : draft,
      });
      return;
    }
    case 'task.start':
      void runCommand(fleet, ui, 'task.start', { id: taskId }, `started ${taskId}`);
      return;
    case 'task.stop':
      if (!commandAvailable(fleet, 'task.stop')) return notify(ui, 'task.stop: not available yet in this build of flotilla', 'error');
      ui.setState({ overlay: { kind: 'confirm-stop', taskId } });
      return;
    case 'task.retry':
      if (!commandAvailable(fleet, 'task.retry')) return notify(ui, 'task.retry: not available yet in this build of flotilla', 'error');
      ui.setState({ overlay: { kind: 'retry-note', taskId, note: '' } });
      return;
    case 'task.review':
      if (!commandAvailable(fleet, 'task.review')) return notify(ui, 'task.review: not available yet in this build of flotilla', 'error');
      notify(ui, `reviewing ${taskId}…`);
      void runCommand(fleet, ui, 'task.review', { id: taskId }, `review of ${taskId} done (Reviews panel)`);
      return;
    case 'task.diff':
      void runCommand(fleet, ui, 'task.diff', { id: taskId }).then((result) => {
        const text = typeof result === 'string' ? result : (result as { text?: unknown } | undefined)?.text;
        if (typeof text === 'string') {
          ui.setState({ overlay: { kind: 'text', title: `diff ${taskId}`, text: text || '(no difference)', scroll: 0 } });
        }
      });
      return;
    case 'view.next-panel': {
      const i = PANELS.indexOf(ui.getState().panel);
      ui.setState({ panel: PANELS[(i + 1) % PANELS.length]! });
      return;
    }
    case 'app.help':
      ui.setState({ overlay: ui.getState().overlay.kind === 'help' ? { kind: 'none' } : { kind: 'help', scroll: 0 } });
      return;
    case 'app.quit': {
      const running = fleet.store.getState().tasks.filter((t) => liveSession(t)).length;
      if (fleet.sessions?.runtime === 'pty' && running > 0) {
        ui.setState({ overlay: { kind: 'confirm-quit', running } });
        return;
      }
      ctx.onRequest({ kind: 'quit' });
      return;
    }
  }
}

/** Dispatches task.add from the form; keeps the draft (with the error) when it fails. */
export async function submitDraft(fleet: UiFleet, ui: UiStore, draft: NewTaskDraft): Promise<void> {
  if (!draft.title.trim()) return void ui.setState({ draft: { ...draft, error: 'a title is needed' } });
  if (!draft.prompt.trim()) return void ui.setState({ draft: { ...draft, error: 'a prompt is needed (Ctrl-E opens $EDITOR)' } });
  const tags = draft.tags.split(',').map((t) => t.trim()).filter(Boolean);
  try {
    const task = (await fleet.dispatch({
      type: 'task.add',
      input: { title: draft.title.trim(), prompt: draft.prompt, agent: draft.agent || undefined, base: draft.base.trim() || undefined, tags },
    })) as Task;
    ui.setState({ overlay: { kind: 'none' }, draft: emptyDraft(draft.agent, draft.base), selectedId: task.id });
    notify(ui, `added ${task.id} (s starts it)`);
  } catch (err) {
    ui.setState({ draft: { ...draft, error: (err as Error).message.split('\n')[0] ?? 'failed' } });
  }
}

export function visibleTasks(tasks: readonly Task[], filter: string): Task[] {
  return filterTasks(tasks, filter);
}
