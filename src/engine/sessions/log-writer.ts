/**
 * Run by tmux `pipe-pane` for a session: `node log-writer.js <file> <maxBytes> <keep> [pidFile]`
 * copies the pane's raw output from stdin into a capped, rotated log. It lives in the tmux server's
 * process tree, so the log keeps growing while no flotilla runs. tmux keeps the pipe open while a
 * dead pane is shown, so the writer also ends once the agent whose pid is in `pidFile` is gone.
 */
import { readFileSync } from 'node:fs';
import { OutputLog } from './output-log.js';

const [file, max, keep, pidFile] = process.argv.slice(2);
if (file) {
  const log = new OutputLog(file, Math.max(1024, Number(max) || 5 * 1024 * 1024), Math.max(1, Number(keep) || 3));
  const end = () => {
    log.close();
    process.exit(0);
  };
  process.stdin.on('data', (chunk: Buffer) => log.write(chunk));
  process.stdin.on('end', end);
  process.stdin.on('error', end);
  if (pidFile) {
    setInterval(() => {
      let pid: number;
      try {
        pid = Number.parseInt(readFileSync(pidFile, 'utf8'), 10);
      } catch {
        return; // not written yet
      }
      if (!Number.isInteger(pid) || pid <= 0) return;
      try {
        process.kill(pid, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ESRCH') setTimeout(end, 500); // let the last output arrive
      }
    }, 2000).unref();
  }
}
