import { describe, expect, it } from 'vitest';
import { age, filterTasks, fit, formatCost, textWidth, gateList, needsYouText, statusGlyph, statusText } from './format.js';
import { charWidth, withCursor } from './screen-text.js';
import { makeAttempt, makeTask, testConfig } from './testing/fixtures.js';

describe('format', () => {
  it('cost: dollars when priced, ? when unknown, - when none', () => {
    expect(formatCost(null)).toBe('-');
    expect(formatCost({ usd: 0, tokens: 0 })).toBe('-');
    expect(formatCost({ usd: 0, tokens: 12 })).toBe('$0.00');
    expect(formatCost({ usd: 0.05, tokens: 0 })).toBe('$0.05'); // a run that reported its cost only
    expect(formatCost({ usd: null, tokens: 10 })).toBe('?');
    expect(formatCost({ usd: 1.234 })).toBe('$1.23');
    expect(formatCost({ usd: 12.34 })).toBe('$12.3');
  });

  it('age in the largest whole unit', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    expect(age('2026-01-01T00:00:00Z', t + 5_000)).toBe('5s');
    expect(age('2026-01-01T00:00:00Z', t + 3 * 60_000)).toBe('3m');
    expect(age('2026-01-01T00:00:00Z', t + 2 * 3600_000)).toBe('2h');
    expect(age('2026-01-01T00:00:00Z', t + 4 * 86400_000)).toBe('4d');
  });

  it('fit pads and cuts with an ellipsis', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abcdef', 4)).toBe('abc…');
    // Wide characters take two columns: cut and padded by columns, not characters.
    expect(fit('⚡bravo', 8)).toBe('⚡bravo ');
    expect(fit('⚡bravo', 5)).toBe('⚡br…');
    expect(fit('漢字漢字', 6)).toBe('漢字… ');
    expect(textWidth('e\u0301漢⚡')).toBe(5);
  });

  it('status follows the session while running', () => {
    const waiting = makeTask({ id: 'a', state: 'running', attempts: [makeAttempt(1, { state: 'waiting' })] });
    expect(statusGlyph(waiting)).toEqual({ glyph: '◆', color: 'yellow' });
    expect(statusText(waiting)).toBe('running/waiting');
    expect(statusGlyph(makeTask({ id: 'b', state: 'failed' })).color).toBe('red');
  });

  it('a paused task shows its resume time; an environment failure says needs you, with the agent\'s words safe', () => {
    const until = new Date();
    until.setHours(15, 4, 0, 0);
    const paused = makeTask({
      id: 'p',
      state: 'paused',
      reason: 'paused until 15:04 (usage limit): You\'ve hit your limit\x1b]0;x\x07',
      pause: { until: until.toISOString(), named: true, reason: 'plan_limit', message: 'm', attempt: 1, since: until.toISOString() },
    });
    expect(statusText(paused)).toBe('paused 15:04');
    expect(statusGlyph(paused).color).toBe('yellow');
    expect(needsYouText(paused)).toBe("paused until 15:04 (usage limit): You've hit your limit");
    const env = makeTask({ id: 'e', state: 'failed', attempts: [{ ...makeAttempt(1), failure: { class: 'environment', evidence: 'no connection\x9b31m to the API', at: until.toISOString() } }] });
    expect(statusText(env)).toBe('needs you');
    expect(needsYouText(env)).toBe('no connection to the API');
    expect(needsYouText(makeTask({ id: 'r', state: 'running' }))).toBe('');
  });

  it('gates: configured ones in order, unevaluated shown as none, extra ones after', () => {
    const task = makeTask({ id: 'a', gates: { ci: { state: 'fail', detail: 'test failed' }, lint: { state: 'pass', detail: '' } } });
    expect(gateList(task, testConfig()).map((g) => `${g.name}:${g.state}`)).toEqual(['pr:none', 'rebased:none', 'ci:fail', 'reviews:none', 'lint:pass']);
  });

  it('filter matches id, title, agent, state and tags', () => {
    const tasks = [makeTask({ id: 'login-fix', tags: ['auth'] }), makeTask({ id: 'docs', agent: 'codex', state: 'ready' })];
    expect(filterTasks(tasks, 'AUTH').map((t) => t.id)).toEqual(['login-fix']);
    expect(filterTasks(tasks, 'codex').map((t) => t.id)).toEqual(['docs']);
    expect(filterTasks(tasks, 'ready').map((t) => t.id)).toEqual(['docs']);
    expect(filterTasks(tasks, '')).toHaveLength(2);
  });
});

describe('screen text', () => {
  it('draws the cursor inverse at a column, skipping escape sequences', () => {
    expect(withCursor('\x1b[1mab\x1b[0mc', 1)).toBe('\x1b[1ma\x1b[7mb\x1b[27m\x1b[0mc');
    expect(withCursor('ab', 4)).toBe('ab\x1b[0m  \x1b[7m \x1b[27m');
  });

  it('counts wide characters as two columns', () => {
    expect(charWidth('漢'.codePointAt(0)!)).toBe(2);
    expect(charWidth('a'.codePointAt(0)!)).toBe(1);
    expect(withCursor('漢x', 2)).toBe('漢\x1b[7mx\x1b[27m');
  });

  it('the orchestrator is listed first and the filter never hides it; "merged" is filterable', () => {
    const orch = makeTask({ id: 'orchestrator' });
    (orch as Record<string, unknown>).kind = 'orchestrator';
    const merged = makeTask({ id: 'b', state: 'ready', pr: { forge: 'local', number: 1, title: 't', body: '', branch: 'x', base: 'main', state: 'merged', createdAt: '2026-01-01T00:00:00.000Z' } as never });
    const tasks = [makeTask({ id: 'a' }), orch, merged];
    expect(filterTasks(tasks, '').map((t) => t.id)).toEqual(['orchestrator', 'a', 'b']);
    expect(filterTasks(tasks, 'zzz').map((t) => t.id)).toEqual(['orchestrator']);
    expect(filterTasks(tasks, 'merged').map((t) => t.id)).toEqual(['orchestrator', 'b']);
    expect(statusText(merged)).toBe('merged');
    expect(statusGlyph(merged).glyph).toBe('◉');
  });
});
