import { describe, expect, it } from 'vitest';
import type { FleetEvent } from '../../engine/index.js';
import { formatEvent, formatPass } from './monitor.js';

const at = new Date('2026-11-25T09:41:02Z');

describe('watch and check formatting', () => {
  it('one line per event; passes and registry reloads are not worth a line', () => {
    expect(formatEvent({ type: 'monitor.change', change: { taskId: 'a', attempt: 1, what: 'state', message: 'running → checking (x)' } }, at)).toBe('09:41:02 a state: running → checking (x)');
    expect(formatEvent({ type: 'error', message: 'boom' }, at)).toBe('09:41:02 - error: boom');
    expect(formatEvent({ type: 'registry.changed' }, at)).toBeNull();
    const other = { type: 'session.status', taskId: 'a', attempt: 1, session: { state: 'exited', exitCode: 2 } } as unknown as FleetEvent;
    expect(formatEvent(other, at)).toBe('09:41:02 a session: exited (exit 2)');
  });

  it('check text report', () => {
    expect(formatPass({ at: '', durationMs: 1, tasks: 2, forge: 'local', changes: [], needsHuman: [{ taskId: 'b', why: 'escalated', message: 'gave up' }], errors: [] })).toBe(
      'nothing changed (2 tasks watched, forge local)\nneeds you:\n  b: escalated: gave up',
    );
  });
});
