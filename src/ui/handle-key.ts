import type { Key } from 'ink';
import { runAction, visibleTasks } from './actions.js';
import { runCommand } from './commands.js';
import { KEY_COMMANDS, commandForKey, type Keymap } from './keys.js';
import type { UiFleet, UiRequest } from './types.js';
import { notify, type UiStore } from './ui-store.js';

/** Lines of the help overlay: a title per category, one per command, the detach and override lines. */
const HELP_LINES = new Set(KEY_COMMANDS.map((c) => c.category)).size + KEY_COMMANDS.length + 2;

export interface ViewKeyContext {
  fleet: UiFleet;
  ui: UiStore;
  keymap: Keymap;
  onRequest(request: UiRequest): void;
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
      const id = commandForKey(keymap, input, key);
      if (!id) return;
      const shown = visibleTasks(fleet.store.getState().tasks, now.filter);
      const current = shown.find((t) => t.id === now.selectedId) ?? shown[0];
      runAction(id, { fleet, ui, visible: shown, task: current, onRequest });
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
        else void runCommand(fleet, ui, 'task.stop', { id: overlay.taskId }, `stopped ${overlay.taskId}`);
      } else if (input === 'n' || input === 'N' || key.escape) {
        close();
        notify(ui, 'cancelled');
      }
      return;
    case 'filter':
    case 'retry-note': {
      const text = overlay.kind === 'filter' ? overlay.text : overlay.note;
      if (key.escape) {
        close();
        if (overlay.kind === 'filter') ui.setState({ filter: '' });
        return;
      }
      if (key.return) {
        close();
        if (overlay.kind === 'filter') ui.setState({ filter: text.trim() });
        else {
          const note = text.trim();
          void runCommand(fleet, ui, 'task.retry', note ? { id: overlay.taskId, note } : { id: overlay.taskId }, `retrying ${overlay.taskId}`);
        }
        return;
      }
      let next = text;
      if (key.backspace || key.delete) next = [...text].slice(0, -1).join('');
      else if (!key.ctrl && !key.meta && input) next = text + input.replace(/[\r\n]/g, ' ');
      ui.setState({ overlay: overlay.kind === 'filter' ? { ...overlay, text: next } : { ...overlay, note: next } });
      return;
    }
    case 'text': {
      if (key.escape || input === 'q') return close();
      const delta = key.downArrow || input === 'j' ? 1 : key.upArrow || input === 'k' ? -1 : key.pageDown ? 10 : key.pageUp ? -10 : 0;
      const max = Math.max(0, overlay.text.split('\n').length - 1);
      if (delta) ui.setState({ overlay: { ...overlay, scroll: Math.min(max, Math.max(0, overlay.scroll + delta)) } });
      return;
    }
    case 'new-task':
      return; // the form listens itself
  }
}
