import type { Key } from 'ink';
import { runAction, visibleTasks } from './actions.js';
import { describeTargets, retryProblem, runForEach, stopTargets } from './bulk.js';
import { runCommand } from './commands.js';
import { scrollbackKey } from './scrollback.js';
import { KEY_COMMANDS, commandForKey, type Keymap } from './keys.js';
import type { UiFleet, UiRequest } from './types.js';
import { notify, type UiStore } from './ui-store.js';

/** One key typed into a one-line input: Backspace deletes, printable text is added (newlines as spaces). */
function editLine(text: string, input: string, key: Key): string {
  if (key.backspace || key.delete) return [...text].slice(0, -1).join('');
  if (!key.ctrl && !key.meta && input) return text + input.replace(/[\r\n]/g, ' ');
  return text;
}

/**
 * Typing the filter (k9s style): the list narrows with each key; arrows still move the selection;
 * Enter keeps the filter and gives the keys back to the list; Esc clears it.
 */
function filterKey(input: string, key: Key, ctx: ViewKeyContext, actx: Parameters<typeof runAction>[1]): void {
  const { ui } = ctx;
  if (key.escape) return void ui.setState({ filter: '', filterEditing: false });
  if (key.return) return void ui.setState({ filter: ui.getState().filter.trim(), filterEditing: false });
  if (key.upArrow || key.downArrow) return runAction(key.upArrow ? 'fleet.select-prev' : 'fleet.select-next', actx);
  if (key.pageUp || key.pageDown) return runAction(key.pageUp ? 'fleet.page-up' : 'fleet.page-down', actx);
  ui.setState({ filter: editLine(ui.getState().filter, input, key) });
}

/** Lines of the help overlay: a title per category, one per command, the detach and override lines. */
const HELP_LINES = new Set(KEY_COMMANDS.map((c) => c.category)).size + KEY_COMMANDS.length + 2;

export interface ViewKeyContext {
  fleet: UiFleet;
  ui: UiStore;
  keymap: Keymap;
  onRequest(request: UiRequest): void;
  /** Rows the list shows (PgUp/PgDn). */
  pageSize?: number;
}

/**
 * One keypress in the fleet view: a keymap command when no overlay is open, else the open overlay's
 * keys (help, confirm, one-line input, scrollable text). The new-task form listens for itself.
 */
export function handleViewKey(input: string, key: Key, ctx: ViewKeyContext): void {
  const { fleet, ui, keymap, onRequest } = ctx;
  const close = () => ui.setState({ overlay: { kind: 'none' } });
  // Read the stores now, not the last render: keys can arrive faster than frames.
  const now = ui.getState();
  const overlay = now.overlay;
  switch (overlay.kind) {
    case 'none': {
      const shown = visibleTasks(fleet.store.getState().tasks, now.filter);
      const current = shown.find((t) => t.id === now.selectedId) ?? shown[0];
      const actx = { fleet, ui, visible: shown, task: current, onRequest, pageSize: ctx.pageSize ?? 10 };
      if (now.filterEditing) return filterKey(input, key, ctx, actx);
      const id = commandForKey(keymap, input, key);
      if (!id) {
        // Esc with nothing open: drop the marks, then the filter.
        if (key.escape && now.marked.length) ui.setState({ marked: [] });
        else if (key.escape && now.filter) ui.setState({ filter: '' });
        return;
      }
      runAction(id, actx);
      return;
    }
    case 'help': {
      if (key.escape || input === '?' || input === 'q') return close();
      const delta = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : 0;
      if (delta) ui.setState({ overlay: { kind: 'help', scroll: Math.max(0, Math.min(HELP_LINES, overlay.scroll + delta)) } });
      return;
    }
    case 'confirm-stop':
    case 'confirm-quit':
    case 'confirm-merge':
      if (input === 'y' || input === 'Y' || key.return) {
        close();
        if (overlay.kind === 'confirm-quit') onRequest({ kind: 'quit' });
        else if (overlay.kind === 'confirm-merge') {
          notify(ui, `merging ${overlay.ids.join(', ')}…`);
          void runCommand(fleet, ui, 'task.merge', { ids: overlay.ids }).then((r) => {
            const steps = (r as { steps?: { taskId: string; outcome: string; detail: string }[] } | undefined)?.steps;
            if (!steps) return;
            const failed = steps.find((s) => s.outcome === 'failed');
            const merged = steps.filter((s) => s.outcome === 'merged').map((s) => s.taskId);
            notify(ui, failed ? `merged ${merged.join(', ') || 'nothing'}; stopped at ${failed.taskId}: ${failed.detail}` : `merged ${merged.join(', ')}`, failed ? 'error' : 'info');
          });
        }
        else void stopTargets(fleet, ui, overlay.taskIds);
      } else if (input === 'n' || input === 'N' || key.escape) {
        close();
        notify(ui, 'cancelled');
      }
      return;
    case 'retry-note':
    case 'reply': {
      const text = overlay.kind === 'reply' ? overlay.text : overlay.note;
      if (key.escape) {
        close();
        notify(ui, 'cancelled');
        return;
      }
      if (key.return) {
        close();
        if (overlay.kind === 'reply') {
          void runCommand(fleet, ui, 'task.send', { id: overlay.taskId, text, enter: true }, `sent to ${overlay.taskId}`);
          return;
        }
        const note = text.trim();
        const force = overlay.force;
        notify(ui, `retrying ${describeTargets(overlay.taskIds)}${force ? ' (forced past the cap)' : ''}…`);
        void runForEach(fleet, ui, 'task.retry', overlay.taskIds, (id) => ({ id, ...(note ? { note } : {}), ...(force ? { force: true } : {}) }), 'retried', retryProblem);
        return;
      }
      const next = editLine(text, input, key);
      ui.setState({ overlay: overlay.kind === 'reply' ? { ...overlay, text: next } : { ...overlay, note: next } });
      return;
    }
    case 'text': {
      if (key.escape || input === 'q') return close();
      const delta = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : key.pageDown ? 10 : key.pageUp ? -10 : 0;
      const max = Math.max(0, overlay.text.split('\n').length - 1);
      if (delta) ui.setState({ overlay: { ...overlay, scroll: Math.min(max, Math.max(0, overlay.scroll + delta)) } });
      return;
    }
    case 'scrollback':
      return scrollbackKey(input, key, fleet, ui, keymap, overlay);
    case 'new-task':
      return; // the form listens itself
  }
}
