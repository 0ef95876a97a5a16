import { LiveScreen } from './live-screen.js';
import { openNoFollow, type ScreenSnapshot } from '../core/index.js';

/** How much of the end of a log is replayed: enough for any full screen, cheap to parse (~20 ms). */
export const REPLAY_BYTES = 256 * 1024;

/**
 * The screen an agent left behind, rebuilt from the end of its raw output log: the log's last
 * `maxBytes` go through a headless terminal of the given size. For a session that is gone (exited,
 * stopped, an earlier attempt), so the human sees what it printed last. Null when there is no log.
 */
export async function replayLogScreen(file: string, size: { cols: number; rows: number }, maxBytes = REPLAY_BYTES): Promise<ScreenSnapshot | null> {
  let bytes: Buffer;
  try {
    const fh = await openNoFollow(file, 'r');
    try {
      const { size: length } = await fh.stat();
      const start = Math.max(0, length - maxBytes);
      bytes = Buffer.alloc(length - start);
      await fh.read(bytes, 0, bytes.length, start);
    } finally {
      await fh.close();
    }
  } catch {
    return null;
  }
  if (bytes.length === 0) return null;
  // Nothing answers terminal queries here: the program is gone.
  const screen = new LiveScreen(Math.max(1, size.cols), Math.max(1, size.rows), () => {});
  try {
    screen.write(new Uint8Array(bytes));
    await screen.flush();
    return screen.snapshot();
  } finally {
    screen.dispose();
  }
}

/** The last `maxBytes` of a log as text ('' when there is none): what an agent printed most recently. */
export async function readLogTail(file: string, maxBytes = 8 * 1024): Promise<string> {
  try {
    const fh = await openNoFollow(file, 'r');
    try {
      const { size: length } = await fh.stat();
      const start = Math.max(0, length - maxBytes);
      const bytes = Buffer.alloc(length - start);
      await fh.read(bytes, 0, bytes.length, start);
      return bytes.toString('utf8');
    } finally {
      await fh.close();
    }
  } catch {
    return '';
  }
}
