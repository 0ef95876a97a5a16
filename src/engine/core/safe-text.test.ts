import { describe, expect, it } from 'vitest';
import { jsonText, safeLine, safeStyledText, safeText } from './safe-text.js';

// Any character a terminal acts on, but newline and tab.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('safeText', () => {
  const cases: Array<[string, string, string]> = [
    ['OSC 52 clipboard (BEL)', 'a\x1b]52;c;ZWNobyBwd25lZA==\x07b', 'ab'],
    ['OSC 52 clipboard (ST)', 'a\x1b]52;c;ZWNobyBwd25lZA==\x1b\\b', 'ab'],
    ['OSC 0 title', '\x1b]0;pwned\x07ok', 'ok'],
    ['OSC 2 title, 8-bit ST', '\x1b]2;pwned\u009cok', 'ok'],
    ['unterminated OSC', 'ok\x1b]52;c;AAAA', 'ok'],
    ['clear screen', '\x1b[2J\x1b[Hok', 'ok'],
    ['C1 CSI', 'a\u009b2Jb', 'ab'],
    ['C1 OSC', 'a\u009d0;t\u009cb', 'ab'],
    ['C1 DCS', 'a\u0090q\u009cb', 'ab'],
    ['BEL', 'ring\x07ring', 'ringring'],
    ['BS', 'safe\b\b\b\bEVIL', 'safeEVIL'],
    ['lone CR shows both', 'failed\rpassed', 'failed\npassed'],
    ['CRLF', 'a\r\nb', 'a\nb'],
    ['DCS string', 'a\x1bP1$qm\x1b\\b', 'ab'],
    ['two-byte escape', 'a\x1bcb\x1b(Bc', 'abc'],
    ['bidi override', 'abc\u202eevil\u202cdef', 'abcevildef'],
    ['bidi isolate', 'x\u2066y\u2069z', 'xyz'],
    ['NUL and DEL', 'a\x00b\x7fc', 'abc'],
    ['kept: tab, newline, unicode', 'a\tb\nc é 日本 ✓', 'a\tb\nc é 日本 ✓'],
  ];
  for (const [name, input, want] of cases) {
    it(name, () => {
      const got = safeText(input);
      expect(got).toBe(want);
      expect(got).not.toMatch(UNSAFE);
    });
  }

  it('every byte value 0..0x2ff in any position leaves nothing unsafe', () => {
    let all = '';
    for (let c = 0; c < 0x300; c++) all += `x${String.fromCharCode(c)}\x1b${String.fromCharCode(c)}\u009b${String.fromCharCode(c)}`;
    expect(safeText(all)).not.toMatch(UNSAFE);
  });
});

describe('safeLine', () => {
  it('is one line, capped', () => {
    expect(safeLine('a\nb\tc\r\x1b[2Jd')).toBe('a b c d');
    const long = safeLine('A'.repeat(20_000), 100);
    expect(long).toHaveLength(100);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('jsonText', () => {
  it('escapes C1, DEL and bidi controls and parses back to the same data', () => {
    const value = { s: 'a\u009b2J\x7f\u202e\u2028\x1b]52;c;x\x07' };
    const text = jsonText(value, 2);
    expect(text).not.toMatch(UNSAFE);
    expect(text).not.toMatch(/[\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('safeStyledText', () => {
  it('keeps SGR colours, filters everything else', () => {
    expect(safeStyledText('\x1b[31mred\x1b[0m \x1b]52;c;QUJD\x07\u202eok\x1b[2J\u009b2J')).toBe('\x1b[31mred\x1b[0m ok');
  });
});
