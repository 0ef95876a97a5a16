/**
 * Run by tmux `pipe-pane` for a session: `node log-writer.js <file> <maxBytes> <keep>` copies the
 * pane's raw output from stdin into a capped, rotated log. It lives in the tmux server's process
 * tree, so the log keeps growing while no flotilla runs.
 */
import { OutputLog } from './output-log.js';

const [file, max, keep] = process.argv.slice(2);
if (file) {
  const log = new OutputLog(file, Math.max(1024, Number(max) || 5 * 1024 * 1024), Math.max(1, Number(keep) || 3));
  process.stdin.on('data', (chunk: Buffer) => log.write(chunk));
  process.stdin.on('end', () => log.close());
  process.stdin.on('error', () => log.close());
}
