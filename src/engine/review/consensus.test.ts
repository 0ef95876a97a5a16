import { describe, expect, it } from 'vitest';
import { buildConsensus, findingId, normaliseCategory, type SourcedFinding } from './consensus.js';

function f(role: string, file: string, line: number, severity: SourcedFinding['severity'], category: string, message = `${role} says`): SourcedFinding {
  return { role, profile: `${role}-p`, model: `${role}-m`, file, line, severity, category, message };
}

describe('normaliseCategory', () => {
  it('maps spellings and synonyms to one key', () => {
    expect(normaliseCategory('Logic Error')).toBe('correctness');
    expect(normaliseCategory('bug')).toBe('correctness');
    expect(normaliseCategory('edge_cases')).toBe('correctness');
    expect(normaliseCategory('PERF')).toBe('performance');
    expect(normaliseCategory('Race Condition')).toBe('race-condition');
    expect(normaliseCategory('  ')).toBe('general');
  });
});

describe('buildConsensus', () => {
  it('merges two reviewers on nearby lines and the same category; takes the highest severity', () => {
    const merged = buildConsensus([
      f('logic', 'src/a.ts', 10, 'minor', 'logic', 'loop bound is off by one'),
      f('security', 'src/a.ts', 12, 'major', 'bug', 'loop reads past the end of the buffer'),
      f('conventions', 'src/b.ts', 5, 'nit', 'style'),
    ]);
    expect(merged).toHaveLength(2);
    const [first, second] = merged;
    expect(first).toMatchObject({
      file: 'src/a.ts',
      line: 10,
      severity: 'major',
      category: 'correctness',
      message: 'loop reads past the end of the buffer',
      reviewers: ['logic', 'security'],
      agreed: true,
    });
    expect(first!.sources).toHaveLength(2);
    expect(second).toMatchObject({ file: 'src/b.ts', reviewers: ['conventions'], agreed: false });
  });

  it('keeps apart different files, far lines, different categories and one reviewer\'s separate findings', () => {
    const merged = buildConsensus([
      f('a', 'x.ts', 10, 'major', 'logic'),
      f('b', 'x.ts', 15, 'major', 'logic'), // 4+ lines from both of a's
      f('c', 'y.ts', 10, 'major', 'logic'),
      f('d', 'x.ts', 10, 'major', 'security'),
      f('a', 'x.ts', 11, 'minor', 'logic'), // same role as the first: not agreement with itself
    ]);
    expect(merged).toHaveLength(5);
    expect(merged.every((m) => !m.agreed)).toBe(true);
  });

  it('gives stable, unique ids', () => {
    const one = buildConsensus([f('a', 'x.ts', 21, 'major', 'logic'), f('b', 'x.ts', 23, 'major', 'bug')]);
    const two = buildConsensus([f('b', 'x.ts', 22, 'minor', 'correctness'), f('a', 'x.ts', 21, 'major', 'logic')]);
    expect(one[0]!.id).toBe(two[0]!.id);
    expect(one[0]!.id).toBe(findingId('x.ts', 21, 'correctness'));
    const clash = buildConsensus([f('a', 'x.ts', 1, 'major', 'logic'), f('a', 'x.ts', 8, 'major', 'logic')]);
    expect(new Set(clash.map((c) => c.id)).size).toBe(2);
  });

  it('orders agreed first, then trust, then severity', () => {
    const trust = (model: string) => (model === 'trusted-m' ? 0.9 : model === 'doubted-m' ? 0.1 : 0.5);
    const merged = buildConsensus(
      [
        f('doubted', 'a.ts', 1, 'critical', 'security'),
        f('trusted', 'b.ts', 1, 'nit', 'style'),
        f('other', 'c.ts', 1, 'minor', 'logic'),
        f('other', 'c.ts', 50, 'major', 'logic'),
        f('x', 'd.ts', 7, 'nit', 'docs'),
        f('y', 'd.ts', 8, 'nit', 'docs'),
      ],
      trust,
    );
    expect(merged.map((m) => `${m.file}:${m.line}`)).toEqual(['d.ts:7', 'b.ts:1', 'c.ts:50', 'c.ts:1', 'a.ts:1']);
  });
});
