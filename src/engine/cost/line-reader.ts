import { open, stat } from 'node:fs/promises';

const CHUNK = 1 << 20;

export interface ReadResult {
  /** Offset after the last complete line read (a partial last line is left for next time). */
  offset: number;
  /** File size now. */
  size: number;
  /** True when the file is shorter than `from` (replaced or truncated): the caller starts over. */
  shrunk: boolean;
  missing: boolean;
}

/**
 * Calls `onLine` for every complete line (ending in '\n') of `file` from byte `from` on. Reads in
 * 1 MiB chunks; a line split across chunks is joined; a trailing line without '\n' is not consumed
 * (it may still be being written).
 */
export async function readLinesFrom(file: string, from: number, onLine: (line: string) => void): Promise<ReadResult> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return { offset: from, size: 0, shrunk: false, missing: true };
  }
  if (size < from) return { offset: 0, size, shrunk: true, missing: false };
  if (size === from) return { offset: from, size, shrunk: false, missing: false };
  const handle = await open(file, 'r');
  let offset = from;
  try {
    let pos = from;
    let carry: Buffer | null = null;
    const buf = Buffer.allocUnsafe(CHUNK);
    while (pos < size) {
      const { bytesRead } = await handle.read(buf, 0, Math.min(CHUNK, size - pos), pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      let data = buf.subarray(0, bytesRead);
      if (carry) data = Buffer.concat([carry, data]);
      const lastNl = data.lastIndexOf(10);
      if (lastNl < 0) {
        carry = Buffer.from(data);
        continue;
      }
      const text = data.toString('utf8', 0, lastNl);
      // `data` starts at `offset` (any carry is the unconsumed tail of the previous chunk).
      offset += lastNl + 1;
      carry = lastNl + 1 < data.length ? Buffer.from(data.subarray(lastNl + 1)) : null;
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        const line = nl < 0 ? text.slice(start) : text.slice(start, nl);
        onLine(line);
        if (nl < 0) break;
        start = nl + 1;
      }
    }
  } finally {
    await handle.close();
  }
  return { offset, size, shrunk: false, missing: false };
}
