import type { TermSize } from './types.js';

/**
 * Where everything goes for a terminal size. Wide terminals (150+ columns) put the fleet list and the panels on
 * the left and the live pane on the right; narrow ones stack list, pane and panels. The view uses
 * rows - 1 lines so Ink never has to clear the whole terminal on each frame.
 */

export const MIN_COLUMNS = 60;
export const MIN_ROWS = 20;
/** From this width the pane sits beside the list instead of under it. */
export const WIDE_COLUMNS = 150;
/** Columns of a list row besides the id (see FleetList). */
export const LIST_FIXED_COLUMNS = 58;

export interface Box {
  width: number;
  height: number;
}

export interface Layout {
  mode: 'wide' | 'stacked';
  width: number;
  height: number;
  list: Box;
  /** Outer box of the pane (with its border). */
  pane: Box;
  /** The agent's screen size inside the pane's border and title line. */
  screen: { cols: number; rows: number };
  panels: Box;
}

export function tooSmall(size: TermSize): boolean {
  return size.columns < MIN_COLUMNS || size.rows < MIN_ROWS;
}

/**
 * `idColumns`: the longest task id; in a wide terminal the list grows (up to 55% of the width) so
 * that ids are not cut while the pane keeps the rest.
 */
export function computeLayout(size: TermSize, taskCount: number, idColumns = 0): Layout {
  const width = size.columns;
  const height = size.rows - 1; // one line is the status bar
  const body = height - 1;
  if (width >= WIDE_COLUMNS) {
    // The list keeps room for its columns; the pane gets the rest.
    const base = Math.min(96, Math.max(76, Math.floor(width * 0.45)));
    const wantForIds = 2 + LIST_FIXED_COLUMNS + idColumns + 1;
    const left = Math.max(base, Math.min(wantForIds, Math.floor(width * 0.55)));
    const panelsHeight = Math.max(8, Math.floor(body * 0.4));
    const pane = { width: width - left, height: body };
    return {
      mode: 'wide',
      width,
      height,
      list: { width: left, height: body - panelsHeight },
      pane,
      screen: { cols: pane.width - 2, rows: pane.height - 3 },
      panels: { width: left, height: panelsHeight },
    };
  }
  const panelsHeight = Math.max(6, Math.floor(body * 0.25));
  const listHeight = Math.max(5, Math.min(taskCount + 4, Math.floor(body * 0.35)));
  const pane = { width, height: body - panelsHeight - listHeight };
  return {
    mode: 'stacked',
    width,
    height,
    list: { width, height: listHeight },
    pane,
    screen: { cols: pane.width - 2, rows: Math.max(1, pane.height - 3) },
    panels: { width, height: panelsHeight },
  };
}
