import type { AttachOutcome } from '../core/index.js';
import { UsageError } from '../core/index.js';
import { createOscFilter } from './osc-filter.js';

/**
 * The byte sequences that mean "detach" for a tmux-style key name: "C-]" is 0x1d, and also its
 * CSI-u form (ESC [ 93 ; 5 u, with or without an event type) sent by terminals in extended-keys mode.
 */
export function detachSequences(key: string): string[] {
  const m = /^C-(.)$/i.exec(key.trim());
  if (m) {
    const ch = m[1]!;
    const lower = ch.toLowerCase();
    const code = lower.charCodeAt(0);
    const ctrl = /[a-z]/.test(lower) ? String.fromCharCode(code - 96) : String.fromCharCode(ch.charCodeAt(0) & 0x1f);
    return [ctrl, `\x1b[${code};5u`, `\x1b[${code};5:1u`];
  }
  if ([...key].length === 1) return [key];
  throw new UsageError(`detach key "${key}" is not understood (use a tmux-style name such as "C-]" or "C-q")`);
}

export interface PassthroughOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  detachKey: string;
  /** Bytes typed by the user, for the agent. */
  write(data: string): void;
  /** Subscribes to the agent's output; returns the unsubscribe. */
  onOutput(listener: (data: string) => void): () => void;
  /** Subscribes to the agent's exit; returns the unsubscribe. */
  onExit(listener: (code: number | null) => void): () => void;
  resize(cols: number, rows: number): void;
  /** Written first (e.g. a redraw of the current screen). */
  initial?: string;
  leaveAltScreen?: boolean;
}

/**
 * Raw passthrough between the user's terminal and an agent until the detach key or the agent's
 * exit. Raw mode and the terminal's modes are restored afterwards.
 */
export function passthrough(o: PassthroughOptions): Promise<AttachOutcome> {
  const sequences = detachSequences(o.detachKey);
  const { stdin, stdout } = o;
  const wasRaw = Boolean(stdin.isTTY && stdin.isRaw);
  return new Promise((resolve) => {
    let finished = false;
    const cleanups: Array<() => void> = [];
    const finish = (outcome: AttachOutcome) => {
      if (finished) return;
      finished = true;
      for (const c of cleanups.reverse()) {
        try {
          c();
        } catch {
          // keep restoring
        }
      }
      // Leave the terminal as we found it: normal screen, cursor shown, no mouse or paste modes.
      stdout.write(
        `\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1004l\x1b[>4;0m\x1b[<u\x1b[?25h${o.leaveAltScreen === false ? '' : '\x1b[?1049l\r\n'}`,
      );
      resolve(outcome);
    };
    if (stdin.isTTY) stdin.setRawMode(true);
    cleanups.push(() => {
      if (stdin.isTTY) stdin.setRawMode(wasRaw);
    });
    const wasFlowing = stdin.readableFlowing === true;
    stdin.resume();
    cleanups.push(() => {
      if (!wasFlowing) stdin.pause();
    });
    if (o.initial) stdout.write(o.initial);
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      let cut = -1;
      for (const seq of sequences) {
        const i = text.indexOf(seq);
        if (i >= 0 && (cut < 0 || i < cut)) cut = i;
      }
      if (cut >= 0) {
        if (cut > 0) o.write(text.slice(0, cut));
        finish({ reason: 'detached' });
        return;
      }
      o.write(text);
    };
    stdin.on('data', onData);
    cleanups.push(() => stdin.off('data', onData));
    // The agent's screen passes; its clipboard and title commands do not (see osc-filter.ts).
    const filter = createOscFilter();
    cleanups.push(
      o.onOutput((data) => {
        const shown = filter(data);
        if (shown) stdout.write(shown);
      }),
    );
    cleanups.push(o.onExit((exitCode) => finish({ reason: 'exited', exitCode })));
    const onResize = () => {
      if (stdout.columns && stdout.rows) o.resize(stdout.columns, stdout.rows);
    };
    stdout.on('resize', onResize);
    cleanups.push(() => stdout.off('resize', onResize));
    onResize();
  });
}
