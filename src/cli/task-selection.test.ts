import { describe, expect, it } from 'vitest';
import type { CliIO } from './io.js';
import { forEachTask } from './task-selection.js';

function io(): CliIO & { lines: string[] } {
  const lines: string[] = [];
  return { cwd: '/', env: {}, isTTY: false, lines, out: (t) => void lines.push(t), err: (t) => void lines.push(`err ${t}`) } as CliIO & { lines: string[] };
}

describe('forEachTask in lanes (start of several tasks on several hosts)', () => {
  it('runs the lanes at once and each lane one task after the other, in order', async () => {
    const out = io();
    const events: string[] = [];
    const running = new Set<string>();
    let most = 0;
    // Each task waits until every lane has a task under way (at most 1 s): lanes that ran one
    // after the other would never see two at once.
    const act = async (id: string) => {
      running.add(id);
      events.push(`start ${id}`);
      most = Math.max(most, running.size);
      for (let i = 0; i < 100 && running.size < 2 && !id.startsWith('c'); i++) await new Promise((r) => setTimeout(r, 10));
      running.delete(id);
      events.push(`end ${id}`);
      if (id === 'b2') throw new Error('broke');
      return { line: `did ${id}` };
    };
    const lane = (id: string) => id[0]!;
    const code = await forEachTask(out, 'started', ['a1', 'b1', 'a2', 'b2', 'c1'], 1, act, lane);
    expect(most).toBeGreaterThanOrEqual(2);
    // Within a lane, the second starts only after the first ended.
    for (const [first, second] of [['a1', 'a2'], ['b1', 'b2']]) expect(events.indexOf(`start ${second}`)).toBeGreaterThan(events.indexOf(`end ${first}`));
    expect(code).toBe(1);
    expect(out.lines.filter((l) => l.startsWith('did')).sort()).toEqual(['did a1', 'did a2', 'did b1', 'did c1']);
    expect(out.lines).toContain('err flotilla: b2: broke');
    expect(out.lines.at(-1)).toBe('err started 4 of 5 task(s); 1 failed');
  });
});
