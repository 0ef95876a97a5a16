import { closeSync, fstatSync, readSync, statSync } from 'node:fs';
import * as pty from 'node-pty';
import { PtyError, openNoFollowSync, type AttachOptions, type AttachOutcome, type RunResult, type ScreenSnapshot } from '../core/index.js';
import { passthrough } from './attach.js';
import { safeResize } from './pty-runtime.js';
import { killProcessGroup, type RuntimeSession } from './runtime.js';
import { REPLAY_BYTES } from './last-screen.js';
import { LiveScreen, type TerminalPool } from './live-screen.js';
import { joinCapture } from './serialize.js';
import { tmuxArg } from './tmux-commands.js';
import { ScreenClient } from './tmux-screen-client.js';
import { clientEnv, target, type PaneRow } from './tmux.js';

const LOG_POLL_MS = 400;
/** Where logs are read on (TmuxSession.readOn); reads are synchronous and decoded at once, so one buffer serves all. */
const READ_BUFFER = Buffer.alloc(64 * 1024);
/** First pause before a shown screen's client is started again after it ended; doubles up to the max. */
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 8000;
/**
 * A session whose screen nothing here shows follows its log at this lower rate: its output only
 * feeds its status, and at 100 agents the polls (a stat each, a read when the agent printed) are
 * what following them costs.
 */
export const UNSHOWN_LOG_POLL_MS = 1200;
/** A screen shown this long gets its past (scrollback from the log); see subscribeScreen. */
export const PAST_AFTER_MS = 400;

/**
 * One timer for every session of a runtime that follows its log (was one interval per session:
 * 100 agents, 250 timer callbacks a second). Runs while at least one session takes part.
 */
export class LogTicker {
  private readonly members = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly everyMs = LOG_POLL_MS) {}

  /** Calls `tick` every everyMs until the function returned is called. */
  add(tick: () => void): () => void {
    this.members.add(tick);
    if (!this.timer) {
      this.timer = setInterval(() => {
        for (const m of [...this.members]) m();
      }, this.everyMs);
      this.timer.unref?.();
    }
    return () => {
      this.members.delete(tick);
      if (this.members.size === 0 && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  get size(): number {
    return this.members.size;
  }
}

/** What a session asks of its runtime: tmux on flotilla's socket, and the (cached) pane list. */
export interface TmuxServer {
  readonly socket: string;
  /** `tmux capture-pane <args>`, perhaps batched with other reads (default: a tmux call of its own). */
  capturePane?(args: string[]): Promise<RunResult>;
  /** The runtime's shared log timer (a session without one keeps its own). */
  readonly logTicker?: LogTicker;
  /** Headless terminals handed from one shown screen to the next (default: each makes its own). */
  readonly terminals?: TerminalPool;
  tmux(args: string[]): Promise<RunResult>;
  panes(): Promise<PaneRow[]>;
  /** The argv of a tmux client attached to a session (default: tmux on the local private socket). */
  attachArgv?(name: string): string[];
  /** Ends the agent's process group (default: signals on this machine). */
  killGroup?(pid: number): Promise<void>;
  /** A host's runtime: how long a session's log there had not changed at the last copy that got through. */
  lastLogAgeMs?(name: string): number | undefined;
}

/** One agent in a detached tmux session: input, capture, its output log, live screen and attach. */
export class TmuxSession implements RuntimeSession {
  private outputListeners = new Set<(d: string) => void>();
  private exitListeners = new Set<(code: number | null, message?: string) => void>();
  exited: { code: number | null } | null = null;
  /** When a poll first saw the pane dead (or gone) without an exit status; null while it runs. */
  unsettledSince: number | null = null;
  private client: ScreenClient | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private reconnectMs = 0;
  private subscribers = 0;
  private readonly ticker: LogTicker;
  /** Leaves the ticker; null while the log is not followed. */
  private offTick: (() => void) | null = null;
  private logOffset = -1;
  private lastLogPoll = 0;
  /** The log, kept open while it is followed (reopened when rotated: another inode at the path). */
  private logFd: { fd: number; ino: number } | null = null;
  private released = false;
  /**
   * While the screen is shown: the pane's output again, in a terminal of the same size that keeps
   * what scrolls off (the tmux client's screen never scrolls: tmux redraws it in place). Fed from
   * the log from its last REPLAY_BYTES on; it answers `screen(top)` below the live screen and `history()`.
   */
  private past: LiveScreen | null = null;
  private pastOffset = -1;
  private pastTimer: NodeJS.Timeout | null = null;
  private screenListeners = new Set<() => void>();
  /** Log polls run one after the other (the timer, an exit and a new screen all ask for one). */
  private polling: Promise<void> = Promise.resolve();

  constructor(
    private readonly rt: TmuxServer,
    readonly name: string,
    public pid: number | null,
    private readonly logFile: string,
  ) {
    this.ticker = rt.logTicker ?? new LogTicker();
  }

  private tmux(args: string[]) {
    return this.rt.tmux(args);
  }

  async write(data: string): Promise<void> {
    if (this.exited) throw new PtyError(`the agent in tmux session ${this.name} has exited; cannot type into it`);
    const r = await this.tmux(['send-keys', '-t', target(this.name), '-l', '--', tmuxArg(data)]);
    if (r.exitCode !== 0) throw new PtyError(`tmux send-keys to ${this.name} failed: ${r.stderr.trim()}`);
  }

  async sendText(text: string, enter: boolean): Promise<void> {
    if (text) await this.write(text);
    if (enter) {
      await new Promise((r) => setTimeout(r, 60));
      const r = await this.tmux(['send-keys', '-t', target(this.name), 'Enter']);
      if (r.exitCode !== 0) throw new PtyError(`tmux send-keys to ${this.name} failed: ${r.stderr.trim()}`);
    }
  }

  async capture(ansi: boolean): Promise<string> {
    // When the agent exits, tmux scrolls the pane up one line to print "Pane is dead": start one
    // line into the history so the agent's first line is still shown.
    const args = ['-p', ...(ansi ? ['-e'] : []), ...(this.exited ? ['-S', '-1'] : []), '-t', target(this.name)];
    const r = await (this.rt.capturePane ? this.rt.capturePane(args) : this.tmux(['capture-pane', ...args]));
    if (r.exitCode !== 0) throw new PtyError(`tmux capture-pane of ${this.name} failed: ${r.stderr.trim()}`);
    return joinCapture(r.stdout.replace(/\n$/, '').split('\n').map((l) => l.replace(/\s+$/, '')));
  }

  async isAlive(): Promise<boolean> {
    const row = (await this.rt.panes()).find((p) => p.name === this.name);
    return Boolean(row && !row.dead);
  }

  quietThereMs(): number | undefined {
    return this.rt.lastLogAgeMs?.(this.name);
  }

  onOutput(listener: (data: string) => void): void {
    this.outputListeners.add(listener);
    this.followLog();
  }

  private followLog(): void {
    if (!this.offTick && !this.released) {
      this.offTick = this.ticker.add(() => {
        if (this.subscribers === 0 && Date.now() - this.lastLogPoll < UNSHOWN_LOG_POLL_MS - LOG_POLL_MS / 2) return;
        this.lastLogPoll = Date.now();
        void this.pollLog();
      });
    }
  }

  private stopFollowingLog(): void {
    this.offTick?.();
    this.offTick = null;
    // A poll under way reads before this runs out (polls are chained), then the log is let go.
    this.polling = this.polling.then(() => {
      if (!this.offTick) this.closeLog();
    });
  }

  private pollLog(): Promise<void> {
    this.polling = this.polling
      .then(() => this.readLog())
      .catch(() => undefined)
      .then(() => {
        if (!this.offTick) this.closeLog(); // a read outside following (the exit's last one) keeps nothing open
      });
    return this.polling;
  }

  /**
   * Follows the log file tmux pipes the pane into: new bytes are output (and the shown screen's past).
   * Synchronous calls on purpose: a local file in the state folder takes microseconds, and at 100
   * agents the promise-based stat, open, read and close (a thread-pool trip each) cost ten times
   * the CPU. A poll is one `stat` when nothing was written, and a `stat` and a read when something
   * was: the file stays open while it is followed (it was opened and closed at each read).
   */
  private async readLog(): Promise<void> {
    if (this.readOn()) return;
    const st = statSync(this.logFile, { throwIfNoEntry: false });
    if (!st) {
      this.closeLog();
      return;
    }
    let size = st.size;
    const listen = this.outputListeners.size > 0;
    if (this.logFd && this.logFd.ino !== st.ino) {
      // Rotated (`.log` → `.log.1`, a new `.log`): the new file is read from its start.
      this.logOffset = listen ? 0 : this.logOffset;
      this.pastOffset = -1;
    }
    if (listen && (this.logOffset < 0 || size < this.logOffset)) this.logOffset = 0; // first read, or rotated
    const past = this.past;
    if (past && (this.pastOffset < 0 || size < this.pastOffset)) this.pastOffset = Math.max(0, size - REPLAY_BYTES);
    const outFrom = listen && size > this.logOffset ? Math.max(this.logOffset, size - 64 * 1024) : size;
    const pastFrom = past && size > this.pastOffset ? this.pastOffset : size;
    const from = Math.min(outFrom, pastFrom);
    if (from === size) {
      // An agent that has ended writes no more: its log need not stay open.
      if (this.exited) this.closeLog();
      return;
    }
    const fd = this.openLog(st.ino);
    if (fd === null) return; // replaced between the stat and the open: the next poll reads the new one
    let buf = Buffer.alloc(size - from);
    buf = buf.subarray(0, readSync(fd, buf, 0, buf.length, from));
    size = from + buf.length;
    if (past && past === this.past && pastFrom < size) {
      past.write(new Uint8Array(buf.subarray(pastFrom - from)));
      this.pastOffset = size;
    }
    if (outFrom < size) {
      this.logOffset = size;
      const text = buf.subarray(outFrom - from).toString('utf8');
      for (const l of this.outputListeners) l(text);
    }
  }

  /**
   * The usual poll of an agent that prints, without a `stat`: the open log read on from where the
   * last read ended. False (nothing done) when the stat path must decide: nothing new (the file
   * may have been rotated or cut), more than a read holds (only its last 64 KiB count), the shown
   * screen's past to feed, or no file open yet.
   */
  private readOn(): boolean {
    if (!this.logFd || this.past || this.logOffset < 0 || this.outputListeners.size === 0) return false;
    const n = readSync(this.logFd.fd, READ_BUFFER, 0, READ_BUFFER.length, this.logOffset);
    if (n === 0 || n === READ_BUFFER.length) return false;
    this.logOffset += n;
    const text = READ_BUFFER.toString('utf8', 0, n);
    for (const l of this.outputListeners) l(text);
    return true;
  }

  /** The open log for the file with inode `ino` (opened, or reopened after a rotation); null when the path now holds another. */
  private openLog(ino: number): number | null {
    if (this.logFd?.ino === ino) return this.logFd.fd;
    this.closeLog();
    const fd = openNoFollowSync(this.logFile, 'r'); // a planted symlink or FIFO is not read
    const opened = fstatSync(fd).ino;
    this.logFd = { fd, ino: opened };
    return opened === ino ? fd : null;
  }

  private closeLog(): void {
    if (!this.logFd) return;
    try {
      closeSync(this.logFd.fd);
    } catch {
      // already closed
    }
    this.logFd = null;
  }

  /** Starts following the log from its current end (used on adoption). */
  async skipExistingLog(): Promise<void> {
    try {
      this.logOffset = statSync(this.logFile).size;
    } catch {
      this.logOffset = 0;
    }
  }

  onExit(listener: (code: number | null, message?: string) => void): void {
    if (this.exited) listener(this.exited.code);
    else this.exitListeners.add(listener);
  }

  markExited(code: number | null): void {
    if (this.exited) return;
    this.exited = { code };
    void this.pollLog().catch(() => undefined);
    for (const l of [...this.exitListeners]) l(code);
    this.exitListeners.clear();
  }

  private attachArgv(): string[] {
    return this.rt.attachArgv?.(this.name) ?? ['tmux', '-u', '-L', this.rt.socket, 'attach-session', '-t', `=${this.name}`];
  }

  /** A tmux client for the shown screen; its changes go to every subscriber. */
  private openClient(cols: number, rows: number): ScreenClient {
    const client: ScreenClient = new ScreenClient(this.attachArgv(), cols, rows, () => this.clientEnded(client), this.rt.terminals);
    client.screen.onChange(() => {
      for (const l of this.screenListeners) l();
    });
    this.client = client;
    return client;
  }

  /**
   * The shown screen's client ended while the agent runs: for a session on a host, the connection
   * dropped (sshd gone, the laptop slept). Another client is started after a pause (doubling up to
   * RECONNECT_MAX_MS while it keeps failing), so the pane is live again once the host answers; the
   * last screen stays shown until then.
   */
  private clientEnded(client: ScreenClient): void {
    if (this.client !== client || this.subscribers === 0 || this.exited || this.released || this.reconnectTimer) return;
    this.reconnectMs = Date.now() - client.startedAt > 10_000 ? RECONNECT_MIN_MS : Math.min(RECONNECT_MAX_MS, Math.max(RECONNECT_MIN_MS, this.reconnectMs * 2));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (this.client !== client || this.subscribers === 0 || this.exited || this.released) return;
      const { cols, rows } = client.size;
      client.dispose();
      this.openClient(cols, rows);
      for (const l of this.screenListeners) l();
    }, this.reconnectMs);
    this.reconnectTimer.unref?.();
  }

  subscribeScreen(size: { cols: number; rows: number }, onChange: () => void): () => void {
    if (!this.client) {
      this.openClient(size.cols, size.rows);
      this.followLog();
      // The past (up to REPLAY_BYTES of log through a terminal) only for a screen shown a moment:
      // moving through the list with j/k shows a screen per key, and replaying each one's log was
      // most of what a key cost. A look back or a search before then makes it at once.
      this.pastTimer = setTimeout(() => this.ensurePast(), PAST_AFTER_MS);
      this.pastTimer.unref?.();
    } else this.resizeScreens(size.cols, size.rows);
    this.subscribers++;
    this.screenListeners.add(onChange);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.screenListeners.delete(onChange);
      if (--this.subscribers === 0 && this.client) this.disposeScreens();
    };
  }

  /** Makes the shown screen's past (see subscribeScreen), once. */
  private ensurePast(): void {
    if (this.pastTimer) clearTimeout(this.pastTimer);
    this.pastTimer = null;
    if (!this.client || this.past) return;
    const { cols, rows } = this.client.screen;
    // Nothing answers terminal queries here: the live client does.
    const past = new LiveScreen(cols, rows, () => {}, this.rt.terminals);
    this.past = past;
    this.pastOffset = -1;
    // Once the log's tail is parsed the scrollback is there: a change for the pane to count it.
    void this.pollLog()
      .then(() => (this.past === past ? past.flush() : undefined))
      .then(() => {
        if (this.past === past) for (const l of this.screenListeners) l();
      });
  }

  /** The live screen (its scrollback counted from the log), or with `top` the rows from that line of the past. */
  screen(top?: number): ScreenSnapshot | null {
    if (!this.client) return null;
    if (top !== undefined) this.ensurePast();
    const live = this.client.screen.snapshot();
    if (!this.past) return live;
    const end = this.past.term.buffer.active.baseY;
    if (top === undefined || top >= end) return { ...live, scrollback: end, top: end };
    return this.past.snapshot(top);
  }

  history(): string[] | null {
    this.ensurePast();
    return this.past ? this.past.history() : null;
  }

  private resizeScreens(cols: number, rows: number): void {
    this.client?.resize(cols, rows);
    this.past?.resize(cols, rows);
  }

  private disposeScreens(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.reconnectMs = 0;
    if (this.pastTimer) clearTimeout(this.pastTimer);
    this.pastTimer = null;
    this.client?.dispose();
    this.client = null;
    this.past?.dispose();
    this.past = null;
    if (this.outputListeners.size === 0) this.stopFollowingLog();
  }

  resize(cols: number, rows: number): void {
    if (cols < 1 || rows < 1) return;
    if (this.client) this.resizeScreens(cols, rows);
    else void this.tmux(['resize-window', '-t', target(this.name), '-x', String(cols), '-y', String(rows)]);
  }

  attach(options: AttachOptions): Promise<AttachOutcome> {
    if (this.exited) return Promise.resolve({ reason: 'exited', exitCode: this.exited.code });
    const argv = this.attachArgv();
    const cols = options.stdout.columns || 80;
    const rows = options.stdout.rows || 24;
    const client = pty.spawn(argv[0]!, argv.slice(1), { name: process.env.TERM || 'xterm-256color', cols, rows, env: clientEnv({ TERM: process.env.TERM || 'xterm-256color' }) });
    let clientExited = false;
    client.onExit(() => {
      clientExited = true;
    });
    const outcome = passthrough({
      ...options,
      write: (data) => {
        if (!clientExited) client.write(data);
      },
      onOutput: (l) => {
        const d = client.onData(l);
        return () => d.dispose();
      },
      onExit: (l) => {
        const onAgentExit = (code: number | null) => l(code);
        this.exitListeners.add(onAgentExit);
        const c = client.onExit(() => l(this.exited?.code ?? null));
        return () => {
          this.exitListeners.delete(onAgentExit);
          c.dispose();
        };
      },
      resize: (c, r) => {
        if (!clientExited) safeResize(client, c, r);
      },
    });
    return outcome.finally(() => {
      if (!clientExited) {
        try {
          client.kill();
        } catch {
          // gone
        }
      }
    });
  }

  async kill(): Promise<void> {
    if (this.pid && !this.exited) await (this.rt.killGroup ? this.rt.killGroup(this.pid) : killProcessGroup(this.pid));
    await this.tmux(['kill-session', '-t', `=${this.name}`]);
    this.markExited(this.exited?.code ?? null);
  }

  release(): void {
    this.released = true;
    this.stopFollowingLog();
    this.outputListeners.clear();
    this.disposeScreens();
  }
}
