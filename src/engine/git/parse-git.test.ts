import { describe, expect, it } from 'vitest';
import { parseLeftRight, parseMergeTree, parseStatusV2 } from './parse-git.js';

describe('git output parsers', () => {
  it('status v2: head, branch, modified, renamed (original path skipped), unmerged, untracked', () => {
    const out = [
      '# branch.oid 1111111111111111111111111111111111111111',
      '# branch.head flotilla/t-a1',
      '1 .M N... 100644 100644 100644 aaa bbb src/a file.ts',
      '2 R. N... 100644 100644 100644 aaa bbb R100 new.ts',
      'old.ts',
      'u UU N... 100644 100644 100644 100644 a b c both.ts',
      '? notes.txt',
      '',
    ].join('\0');
    expect(parseStatusV2(out)).toEqual({ head: '1111111111111111111111111111111111111111', branch: 'flotilla/t-a1', dirty: ['src/a file.ts', 'new.ts', 'both.ts', 'notes.txt'] });
    expect(parseStatusV2('# branch.oid (initial)\0# branch.head (detached)\0')).toEqual({ head: null, branch: null, dirty: [] });
  });

  it('left-right counts and merge-tree names', () => {
    expect(parseLeftRight('3\t5\n')).toEqual({ behind: 3, ahead: 5 });
    expect(parseLeftRight('garbage')).toBeNull();
    expect(parseMergeTree('abc123\0src/a.ts\0src/a.ts\0b.ts\0')).toEqual(['src/a.ts', 'b.ts']);
  });
});
