import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { detachSequences, passthrough } from './attach.js';

describe('attach', () => {
  it('knows the detach key as a control byte and in CSI-u form', () => {
    expect(detachSequences('C-]')).toEqual(['\x1d', '\x1b[93;5u', '\x1b[93;5:1u']);
    expect(detachSequences('C-q')[0]).toBe('\x11');
    expect(() => detachSequences('Hyper-x')).toThrow(/detach key/);
  });

  it('passes bytes both ways and stops at the detach key (also in CSI-u form)', async () => {
    for (const key of ['\x1d', '\x1b[93;5u']) {
      const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
      const out = new PassThrough();
      let printed = '';
      out.on('data', (d) => (printed += d));
      const typed: string[] = [];
      let outputListener: ((d: string) => void) | null = null;
      const done = passthrough({
        stdin,
        stdout: out as unknown as NodeJS.WriteStream,
        detachKey: 'C-]',
        write: (d) => typed.push(d),
        onOutput: (l) => ((outputListener = l), () => (outputListener = null)),
        onExit: () => () => undefined,
        resize: () => undefined,
      });
      outputListener!('agent says hi');
      (stdin as unknown as PassThrough).write('ls\r');
      (stdin as unknown as PassThrough).write(`ab${key}cd`);
      expect(await done).toEqual({ reason: 'detached' });
      expect(typed).toEqual(['ls\r', 'ab']);
      expect(printed).toContain('agent says hi');
      expect(outputListener).toBeNull();
    }
  });

  it('ends with the exit code when the agent exits', async () => {
    const stdin = new PassThrough() as unknown as NodeJS.ReadStream;
    let exit: ((c: number | null) => void) | null = null;
    const done = passthrough({
      stdin,
      stdout: new PassThrough() as unknown as NodeJS.WriteStream,
      detachKey: 'C-]',
      write: () => undefined,
      onOutput: () => () => undefined,
      onExit: (l) => ((exit = l), () => undefined),
      resize: () => undefined,
    });
    exit!(3);
    expect(await done).toEqual({ reason: 'exited', exitCode: 3 });
  });
});
