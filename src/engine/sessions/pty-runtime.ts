import { readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import * as pty from 'node-pty';
import { PtyError } from '../core/index.js';
import { waitAtMost } from '../exec/index.js';
import { passthrough } from './attach.js';
import { LiveScreen } from './live-screen.js';
import { OutputLog } from './output-log.js';
import { killProcessGroup, type Runtime, type RuntimeSession, type SpawnSpec } from './runtime.js';
import { joinCapture } from './serialize.js';
import type { AttachOptions, AttachOutcome, ScreenSnapshot } from '../core/index.js';
import { attemptMarker, processWatchdog } from '../exec/index.js';

/** Resizes a pty, ignoring the error node-pty throws when the process has just exited. */
export function safeResize(p: pty.IPty, cols: number, rows: number): void {
  try {
    p.resize(Math.max(1, cols), Math.max(1, rows));
  } catch {
    // exited meanwhile
  }
}

/**
 * node-pty destroys its socket 200 ms after the child exits if the pty has not reported EOF by
 * then, and whatever the kernel still buffers for the master side is lost: measured, the last
 * 5-9 KB of a fast writer in about half the runs, its final words included. This reads that rest
 * from the master fd synchronously, just before the destroy, and hands it to `onRest`.
 */
function keepOutputAtExit(p: pty.IPty, onRest: (data: string) => void): void {
  const inner = p as unknown as { _socket?: { destroy?: (err?: Error) => unknown }; _fd?: unknown };
  const socket = inner._socket;
  const fd = inner._fd;
  if (!socket || typeof socket.destroy !== 'function' || typeof fd !== 'number') return;
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (err?: Error) => {
    const decoder = new StringDecoder('utf8');
    const buf = Buffer.alloc(64 * 1024);
    for (let i = 0; i < 1024; i++) {
      let n = 0;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch {
        break; // EAGAIN: nothing left; EIO: the other side is closed and drained
      }
      if (n <= 0) break;
      const text = decoder.write(buf.subarray(0, n));
      if (text) onRest(text);
    }
    const end = decoder.end();
    if (end) onRest(end);
    return destroy(err);
  };
}

/** An agent in a node-pty owned by this process. Its screen is always live (capture needs it). */
class PtySession implements RuntimeSession {
  readonly pid: number;
  private readonly screenTerm: LiveScreen;
  private readonly log: OutputLog;
  private outputListeners = new Set<(d: string) => void>();
  private exitListeners = new Set<(code: number | null, message?: string) => void>();
  private exited: { code: number | null } | null = null;
  /** The process is gone; its last output may still be read. */
  private dead = false;
  private flowOff = false;

  constructor(
    private readonly p: pty.IPty,
    spec: SpawnSpec,
  ) {
    this.pid = p.pid;
    this.log = new OutputLog(spec.logFile, spec.logMaxBytes, spec.logKeep);
    this.screenTerm = new LiveScreen(spec.cols, spec.rows, (reply) => {
      if (!this.exited) p.write(reply);
    });
    // Pause the pty while the screen's parser catches up; but once the child is gone (node-pty
    // drops unread output 200 ms after the exit) read everything that is left at once.
    let watch: NodeJS.Timeout | null = null;
    const stopWatch = () => {
      if (watch) clearInterval(watch);
      watch = null;
    };
    this.screenTerm.setFlowControl({
      pause: () => {
        if (this.exited || this.flowOff) return;
        p.pause();
        stopWatch();
        watch = setInterval(() => {
          try {
            process.kill(this.pid, 0);
          } catch {
            this.flowOff = true;
            stopWatch();
            p.resume();
          }
        }, 20);
      },
      resume: () => {
        stopWatch();
        if (!this.exited) p.resume();
      },
    });
    let lastData = Date.now();
    const onData = (data: string) => {
      lastData = Date.now();
      this.log.write(data);
      this.screenTerm.write(data);
      for (const l of this.outputListeners) l(data);
    };
    p.onData(onData);
    keepOutputAtExit(p, onData);
    p.onExit(({ exitCode, signal }) => {
      // onExit can come before the last output: read what is left at once, and report the exit
      // only when the output has been quiet a moment and the screen has parsed it all, so a
      // capture taken at the exit shows the agent's last words.
      this.dead = true;
      this.flowOff = true;
      stopWatch();
      try {
        p.resume();
      } catch {
        // already closed
      }
      const began = Date.now();
      const finish = () => {
        if (this.exited) return;
        this.exited = { code: signal ? null : exitCode };
        this.log.close();
        for (const l of [...this.exitListeners]) l(this.exited.code);
      };
      const settle = () => {
        if (Date.now() - lastData >= 60 || Date.now() - began > 1000) void this.screenTerm.flush().then(finish, finish);
        else setTimeout(settle, 20);
      };
      settle();
    });
  }

  async write(data: string): Promise<void> {
    if (this.exited || this.dead) throw new PtyError(`the agent has exited; cannot type into it`);
    this.p.write(data);
  }

  async sendText(text: string, enter: boolean): Promise<void> {
    await this.write(text);
    if (enter) {
      // A separate keystroke, so agents that treat fast input as a paste still see Enter.
      await new Promise((r) => setTimeout(r, 60));
      await this.write('\r');
    }
  }

  async capture(ansi: boolean): Promise<string> {
    await this.screenTerm.flush();
    return joinCapture(this.screenTerm.lines(ansi));
  }

  async isAlive(): Promise<boolean> {
    return !this.exited;
  }

  onOutput(listener: (data: string) => void): void {
    this.outputListeners.add(listener);
  }

  onExit(listener: (code: number | null, message?: string) => void): void {
    if (this.exited) listener(this.exited.code);
    else this.exitListeners.add(listener);
  }

  subscribeScreen(size: { cols: number; rows: number }, onChange: () => void): () => void {
    const off = this.screenTerm.onChange(onChange);
    this.resize(size.cols, size.rows);
    this.screenTerm.changed();
    return off;
  }

  screen(top?: number): ScreenSnapshot | null {
    return this.screenTerm.snapshot(top);
  }

  history(): string[] | null {
    return this.screenTerm.history();
  }

  resize(cols: number, rows: number): void {
    if (cols < 1 || rows < 1) return;
    this.screenTerm.resize(cols, rows);
    if (!this.exited) safeResize(this.p, cols, rows);
  }

  attach(options: AttachOptions): Promise<AttachOutcome> {
    if (this.exited) return Promise.resolve({ reason: 'exited', exitCode: this.exited.code });
    return passthrough({
      ...options,
      initial: this.screenTerm.redraw(),
      write: (data) => {
        if (!this.exited) this.p.write(data);
      },
      onOutput: (l) => {
        this.outputListeners.add(l);
        return () => this.outputListeners.delete(l);
      },
      onExit: (l) => {
        this.exitListeners.add(l);
        return () => this.exitListeners.delete(l);
      },
      resize: (c, r) => this.resize(c, r),
    });
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.onExit(() => resolve()));
    await killProcessGroup(this.pid);
    await waitAtMost(gone, 2000);
  }

  release(): void {
    this.outputListeners.clear();
    this.screenTerm.dispose();
  }
}

/** Sessions as node-pty processes of this flotilla process (they end with it). */
export class PtyRuntime implements Runtime {
  readonly kind = 'pty' as const;
  private sessions = new Set<PtySession>();

  async spawn(spec: SpawnSpec): Promise<RuntimeSession> {
    const [file, ...args] = spec.argv;
    let p: pty.IPty;
    try {
      // The agent and its children end with this process, even when it is killed with SIGKILL.
      const env = { ...spec.env, ...processWatchdog().holdEnv() };
      p = pty.spawn(file!, args, { name: 'xterm-256color', cols: spec.cols, rows: spec.rows, cwd: spec.cwd, env });
    } catch (err) {
      throw new PtyError(`cannot start ${file}: ${(err as Error).message}`);
    }
    const session = new PtySession(p, spec);
    this.sessions.add(session);
    const watchdog = processWatchdog();
    // FLOTILLA_REPO too: the watchdog's sweep must not end another repository's attempt of the same id.
    watchdog.hold(p.pid, attemptMarker(spec.taskId, spec.attempt, spec.env.FLOTILLA_REPO ? { repo: spec.env.FLOTILLA_REPO } : {}));
    session.onExit(() => {
      this.sessions.delete(session);
      watchdog.free(p.pid);
    });
    return session;
  }

  async list() {
    return [];
  }

  async follow(): Promise<RuntimeSession | null> {
    return null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => s.kill()));
    for (const s of this.sessions) s.release();
    this.sessions.clear();
  }
}
