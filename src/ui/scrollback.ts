import type { Key } from 'ink';
import type { Task } from '../engine/index.js';
import { liveSession } from './format.js';
import { commandForKey, formatKeys, type Keymap } from './keys.js';
import type { UiFleet } from './types.js';
import { notify, type Overlay, type UiStore } from './ui-store.js';

type ScrollbackOverlay = Extract<Overlay, { kind: 'scrollback' }>;

/** The keys of the scrollback, for the pane's title: "PgUp/b PgDn/Space page · / search · n next · G/Esc/q live". */
export function scrollbackHint(keymap: Keymap): string {
  const k = (id: keyof Keymap) => formatKeys(keymap[id]);
  return `${k('scrollback.page-up')} ${k('scrollback.page-down')} page · ${k('scrollback.search')} search · ${k('scrollback.next')} next · ${k('scrollback.live')} live`;
}

/** `b`: look back in the selected agent's output, starting one page above the live screen. */
export function enterScrollback(fleet: UiFleet, ui: UiStore, task: Task | undefined): void {
  if (!task || !liveSession(task) || !fleet.sessions) return notify(ui, `scrollback: ${task?.id ?? 'no task'} has no live session here`, 'error');
  const snap = fleet.sessions.screen(task.id);
  if (!snap || snap.scrollback === undefined) return notify(ui, `scrollback: no screen of ${task.id} yet`, 'error');
  if (snap.scrollback > 0) return openScrollback(ui, task.id, snap);
  // A screen shown only a moment has no past yet (it is read from the log once the pane has been
  // shown a while, so that j/k replays nothing): `b` makes it now and opens once it is read.
  const sessions = fleet.sessions;
  sessions.history?.(task.id);
  const id = task.id;
  const deadline = Date.now() + 1500;
  const again = (): void => {
    const s = ui.getState();
    if (s.overlay.kind !== 'none' || s.selectedId !== id) return;
    const now = sessions.screen(id);
    if (now && now.scrollback !== undefined && now.scrollback > 0) return openScrollback(ui, id, now);
    if (Date.now() >= deadline) return notify(ui, `scrollback: ${id} has no output above its screen yet`);
    setTimeout(again, 50).unref?.();
  };
  setTimeout(again, 20).unref?.();
}

function openScrollback(ui: UiStore, taskId: string, snap: { scrollback?: number; rows: number }): void {
  ui.setState({ overlay: { kind: 'scrollback', taskId, top: Math.max(0, (snap.scrollback ?? 0) - snap.rows), search: null, query: '' } });
}

/** The first line above `from` (going up) that contains `query`, case-insensitive; -1 when none. */
export function searchUp(lines: readonly string[], query: string, from: number): number {
  const q = query.toLowerCase();
  for (let i = Math.min(from, lines.length - 1); i >= 0; i--) if (lines[i]!.toLowerCase().includes(q)) return i;
  return -1;
}

/** Keys while looking back: scroll, search upwards, back to live. */
export function scrollbackKey(input: string, key: Key, fleet: UiFleet, ui: UiStore, keymap: Keymap, overlay: ScrollbackOverlay): void {
  const close = () => ui.setState({ overlay: { kind: 'none' } });
  const snap = fleet.sessions?.screen(overlay.taskId);
  if (!snap || snap.scrollback === undefined) {
    close();
    return notify(ui, `${overlay.taskId}: its live screen is gone`, 'error');
  }
  const max = snap.scrollback;
  const set = (top: number, more: Partial<ScrollbackOverlay> = {}) => ui.setState({ overlay: { ...overlay, ...more, top: Math.max(0, Math.min(max, top)) } });
  const find = (query: string, from: number) => {
    const lines = fleet.sessions?.history?.(overlay.taskId) ?? [];
    const at = searchUp(lines, query, from);
    if (at < 0) {
      set(overlay.top, { search: null, query });
      return notify(ui, `"${query}" not found above`, 'error');
    }
    set(at, { search: null, query });
    notify(ui, `"${query}" at line ${at + 1} of ${lines.length}`);
  };
  if (overlay.search !== null) {
    if (key.escape) return set(overlay.top, { search: null });
    if (key.return) return overlay.search ? find(overlay.search, overlay.top + snap.rows - 1) : set(overlay.top, { search: null });
    const text = key.backspace || key.delete ? [...overlay.search].slice(0, -1).join('') : !key.ctrl && !key.meta && input ? overlay.search + input : overlay.search;
    return set(overlay.top, { search: text });
  }
  switch (commandForKey(keymap, input, key, 'scrollback')) {
    case 'scrollback.page-up': return set(overlay.top - snap.rows);
    case 'scrollback.page-down': {
      if (overlay.top >= max) return close(); // past the end: live again
      return set(overlay.top + snap.rows);
    }
    case 'scrollback.up': return set(overlay.top - 1);
    case 'scrollback.down': return set(overlay.top + 1);
    case 'scrollback.top': return set(0);
    case 'scrollback.search': return set(overlay.top, { search: '' });
    case 'scrollback.next':
      if (!overlay.query) return notify(ui, 'no search yet (/ searches)', 'error');
      return find(overlay.query, overlay.top - 1);
    case 'scrollback.live': return close();
    default:
      return;
  }
}
