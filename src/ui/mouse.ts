import type { Task } from '../engine/index.js';
import { LIST_FIRST_ROW, listWindow } from './components/FleetList.js';
import type { Layout } from './layout.js';
import type { UiStore } from './ui-store.js';

/**
 * Mouse in the fleet view: SGR reporting (`CSI ? 1000 h` clicks and wheel, `CSI ? 1006 h` the SGR
 * encoding) is on only while the view shows; run-app turns it off for attach, $EDITOR and on exit.
 * A report arrives as `ESC [ < button ; x ; y M` (press) or `m` (release); Ink hands it over with
 * the ESC taken off.
 */
export const MOUSE_ON = '\x1b[?1000h\x1b[?1006h';
export const MOUSE_OFF = '\x1b[?1006l\x1b[?1000l';

export interface MouseEvent {
  button: number;
  /** 1-based column and row. */
  x: number;
  y: number;
  press: boolean;
}

const REPORT = /\x1b?\[<(\d+);(\d+);(\d+)([Mm])/gy;

/** The mouse reports in one input chunk, or null when the chunk is not (only) mouse reports. */
export function parseMouse(input: string): MouseEvent[] | null {
  if (!input.includes('[<')) return null;
  const events: MouseEvent[] = [];
  REPORT.lastIndex = 0;
  let end = 0;
  for (let m = REPORT.exec(input); m; m = REPORT.exec(input)) {
    events.push({ button: Number(m[1]), x: Number(m[2]), y: Number(m[3]), press: m[4] === 'M' });
    end = REPORT.lastIndex;
  }
  return events.length && end === input.length ? events : null;
}

const WHEEL_UP = 64;
const WHEEL_DOWN = 65;

/**
 * A click on a list row selects that task; the wheel over the list moves the selection (the list
 * scrolls with it). Other clicks and releases are ignored. Returns true when something changed.
 */
export function handleMouse(events: readonly MouseEvent[], ui: UiStore, layout: Layout, visible: readonly Task[]): boolean {
  let changed = false;
  for (const e of events) {
    if (!e.press) continue;
    if (e.x < 1 || e.x > layout.list.width || e.y < 1 || e.y > layout.list.height) continue;
    const selectedIndex = visible.findIndex((t) => t.id === ui.getState().selectedId);
    if (e.button === WHEEL_UP || e.button === WHEEL_DOWN) {
      if (!visible.length) continue;
      const next = Math.min(visible.length - 1, Math.max(0, Math.max(0, selectedIndex) + (e.button === WHEEL_UP ? -1 : 1)));
      ui.setState({ selectedId: visible[next]!.id, findingCursor: 0 });
      changed = true;
      continue;
    }
    if ((e.button & 3) !== 0 || e.button >= 32) continue; // left button only, no drag
    const { start, rows } = listWindow(visible.length, selectedIndex, layout.list.height);
    const row = e.y - LIST_FIRST_ROW;
    if (row < 0 || row >= rows) continue;
    const task = visible[start + row];
    if (!task) continue;
    ui.setState({ selectedId: task.id, findingCursor: 0 });
    changed = true;
  }
  return changed;
}
