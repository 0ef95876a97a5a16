import { describe, expect, it } from 'vitest';
import { LIST_FIXED_COLUMNS, MIN_COLUMNS, MIN_ROWS, computeLayout, tooSmall } from './layout.js';

describe('layout', () => {
  it('stacks list, pane and panels on narrow terminals, filling rows - 1', () => {
    const l = computeLayout({ columns: 100, rows: 40 }, 3);
    expect(l.mode).toBe('stacked');
    expect(l.list.height + l.pane.height + l.panels.height + 1).toBe(39);
    expect(l.list.height).toBe(7); // 3 rows + header, footer and border
    expect(l.screen).toEqual({ cols: 98, rows: l.pane.height - 3 }); // border and title line
  });

  it('puts the pane on the right of wide terminals', () => {
    const l = computeLayout({ columns: 200, rows: 50 }, 3);
    expect(l.mode).toBe('wide');
    expect(l.list.width + l.pane.width).toBe(200);
    expect(l.list.height + l.panels.height).toBe(l.pane.height);
  });

  it('the minimum is the smallest size where everything fits', () => {
    expect(tooSmall({ columns: MIN_COLUMNS, rows: MIN_ROWS })).toBe(false);
    expect(tooSmall({ columns: MIN_COLUMNS - 1, rows: MIN_ROWS })).toBe(true);
    expect(tooSmall({ columns: MIN_COLUMNS, rows: MIN_ROWS - 1 })).toBe(true);
    const l = computeLayout({ columns: MIN_COLUMNS, rows: MIN_ROWS }, 50);
    expect(l.screen.rows).toBeGreaterThan(0);
    expect(l.list.height + l.pane.height + l.panels.height + 1).toBe(MIN_ROWS - 1);
  });
});

describe('the list grows for long ids in a wide terminal', () => {
  it('at 160 columns a 25-character id fits the list; the pane keeps the rest', () => {
    const l = computeLayout({ columns: 160, rows: 50 }, 10, 25);
    expect(l.list.width - 2).toBeGreaterThanOrEqual(LIST_FIXED_COLUMNS + 25);
    expect(l.pane.width).toBe(160 - l.list.width);
    expect(computeLayout({ columns: 160, rows: 50 }, 10, 8).list.width).toBe(76);
  });
});
