/**
 * The filter on an agent's output on its way to the user's own terminal while attached (the pty
 * runtime; tmux does the same for its runtime with set-titles/allow-rename off and no clipboard
 * passthrough). The agent's screen output passes as it is (colours, cursor moves, modes), but the
 * operating-system commands that reach beyond the screen are dropped: OSC 0/1/2 (window and icon
 * titles), OSC 52 (writes or reads the user's clipboard), OSC 50 (font) and OSC 1337 (iTerm2's
 * file transfer and friends), in their 7-bit (ESC ]) and 8-bit (0x9d) forms. Sequences split
 * across chunks are held until complete.
 */

const DROPPED = new Set(['0', '1', '2', '50', '52', '1337']);
/** An unterminated OSC longer than this is dropped whole (nothing legitimate is that long). */
const MAX_PENDING = 1 << 20;

export type OutputFilter = (chunk: string) => string;

export function createOscFilter(): OutputFilter {
  let pending = '';
  return (chunk) => {
    const s = pending + chunk;
    pending = '';
    let out = '';
    let i = 0;
    while (i < s.length) {
      let j = i;
      while (j < s.length && s[j] !== '\x1b' && s[j] !== '\u009d') j++;
      out += s.slice(i, j);
      if (j >= s.length) break;
      let start: number;
      if (s[j] === '\x1b') {
        if (j + 1 >= s.length) {
          pending = s.slice(j); // ESC at the end: wait for the next byte
          break;
        }
        if (s[j + 1] !== ']') {
          out += '\x1b';
          i = j + 1;
          continue;
        }
        start = j + 2;
      } else start = j + 1;
      // The terminator: BEL, ST (ESC \) or 8-bit ST.
      let k = start;
      let termLen = 0;
      for (; k < s.length; k++) {
        const c = s[k];
        if (c === '\x07' || c === '\u009c') {
          termLen = 1;
          break;
        }
        if (c === '\x1b') {
          if (k + 1 >= s.length) break; // maybe ESC \ split: wait
          if (s[k + 1] === '\\') {
            termLen = 2;
            break;
          }
        }
      }
      if (termLen === 0) {
        // Incomplete: hold it (a very long one is dropped).
        if (s.length - j <= MAX_PENDING) pending = s.slice(j);
        break;
      }
      const ps = /^\d*/.exec(s.slice(start, Math.min(k, start + 8)))![0];
      if (!DROPPED.has(ps)) out += s.slice(j, k + termLen);
      i = k + termLen;
    }
    return out;
  };
}
