import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { passthrough } from './attach.js';
import { createOscFilter } from './osc-filter.js';

describe('the attach output filter', () => {
  it('drops clipboard, title, font and iTerm2 OSCs in both forms and with either terminator', () => {
    const f = createOscFilter();
    const hostile = [
      '\x1b]52;c;ZWNobyBwd25lZA==\x07',
      '\x1b]52;c;ZWNobyBwd25lZA==\x1b\\',
      '\x1b]0;pwned\x07',
      '\x1b]1;icon\x07',
      '\x1b]2;pwned\x1b\\',
      '\u009d2;c1 title\u009c',
      '\x1b]50;font\x07',
      '\x1b]1337;File=name=x:AAAA\x07',
    ].join('');
    expect(f(`a${hostile}b`)).toBe('ab');
  });

  it("passes the agent's screen output: colours, cursor moves, modes, hyperlinks, other OSCs", () => {
    const screen = '\x1b[2J\x1b[H\x1b[31mred\x1b[0m\x1b[3;4H\x1b[?25l\x1b[?1049h\x1b]8;;https://x\x07link\x1b]8;;\x07\x1b]133;A\x07\r\n\x1b(B';
    expect(createOscFilter()(screen)).toBe(screen);
  });

  it('holds a sequence split across chunks, at any split point', () => {
    const text = 'x\x1b[1mA\x1b]52;c;QUJD\x1b\\B\x1b]0;t\x07C\x1b]8;;u\x07D';
    for (let cut = 0; cut <= text.length; cut++) {
      for (let cut2 = cut; cut2 <= text.length; cut2 += 3) {
        const f = createOscFilter();
        expect(f(text.slice(0, cut)) + f(text.slice(cut, cut2)) + f(text.slice(cut2))).toBe('x\x1b[1mABC\x1b]8;;u\x07D');
      }
    }
  });

  it('passthrough (the attach of both runtimes) writes the filtered output', async () => {
    const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
    const out = new PassThrough();
    let printed = '';
    out.on('data', (d) => (printed += d));
    let listener: ((d: string) => void) | null = null;
    let exit: ((c: number | null) => void) | null = null;
    const done = passthrough({
      stdin,
      stdout: out as unknown as NodeJS.WriteStream,
      detachKey: 'C-]',
      write: () => undefined,
      onOutput: (l) => ((listener = l), () => undefined),
      onExit: (l) => ((exit = l), () => undefined),
      resize: () => undefined,
    });
    listener!('\x1b[32mok\x1b]52;c;');
    listener!('QUJD\x07\x1b]2;title\x07 done');
    exit!(0);
    await done;
    expect(printed).toContain('\x1b[32mok done');
    expect(printed).not.toContain(']52');
    expect(printed).not.toContain(']2;');
  });
});
