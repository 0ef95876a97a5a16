import { closeSync, existsSync, fstatSync, renameSync, rmSync, writeSync } from 'node:fs';
// The lean leaf, not core's door: log-writer.js runs this per pane and must not load the engine.
import { openNoFollowSync } from '../core/no-follow.js';

/**
 * The raw output log of one attempt (`.flotilla/logs/<task>/<attempt>.log`), 0600, capped at
 * `maxBytes`; when full it is rotated to `.log.1` (older ones shift up) keeping `keep` old files.
 * A symlink planted at the log or its folder is never written through: the log is not written.
 */
export class OutputLog {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {}

  private openFile(): number {
    if (this.fd === null) {
      this.fd = openNoFollowSync(this.file, 'a');
      this.size = fstatSync(this.fd).size;
    }
    return this.fd;
  }

  private rotate(): void {
    this.close();
    rmSync(`${this.file}.${this.keep}`, { force: true });
    for (let i = this.keep - 1; i >= 1; i--) {
      if (existsSync(`${this.file}.${i}`)) renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    if (existsSync(this.file)) renameSync(this.file, `${this.file}.1`);
  }

  write(data: string | Buffer): void {
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    try {
      while (buf.length > 0) {
        const fd = this.openFile();
        const room = this.maxBytes - this.size;
        if (room <= 0) {
          this.rotate();
          continue;
        }
        const part = buf.length <= room ? buf : buf.subarray(0, room);
        writeSync(fd, part);
        this.size += part.length;
        buf = buf.subarray(part.length);
      }
    } catch {
      // A log that cannot be written must never take the session down.
      this.close();
    }
  }

  close(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }
}
