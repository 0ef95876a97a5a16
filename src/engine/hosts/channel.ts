import { randomBytes } from 'node:crypto';
import { localTransport, signalGroup, type StartedProcess } from '../exec/index.js';
import { remoteLine, shellQuote, sshArgv, type SshHost } from './ssh.js';

/** What one command sent over a channel gave back (as readBytes gives it). */
export interface ChannelResult {
  /** The command's exit status on the host; 255 when ssh itself failed; null when it timed out. */
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
  /**
   * Set when the channel's ssh ended under this command (exit 255: the connection could not be
   * opened, or it dropped): what ssh itself printed while the command waited, empty when it said
   * nothing. A probe reads the host's fault (refused, auth, host key) from it.
   */
  sshStderr?: string;
  /** ssh could not be started here at all (not installed): why. */
  error?: string;
}

interface Request {
  argv: readonly string[];
  timeoutMs: number;
  /** Counts from the call: time spent waiting behind other commands is part of it. */
  timer: NodeJS.Timeout | null;
  resolve: (r: ChannelResult) => void;
}

/** A channel nobody used for this long is closed (the next command opens it again). */
const IDLE_MS = 60_000;

/**
 * The text that runs `argv` in the channel's shell: its stdin is /dev/null (never the channel's),
 * its stdout passes through, its stderr is kept; then a line `<mark> <status>`, what it said on
 * stderr and a line `<mark>.` end the answer. Every word of argv is single-quoted.
 */
export function channelRequest(argv: readonly string[], mark: string): string {
  return [
    `M=${mark}`,
    `{ e=$(${argv.map(shellQuote).join(' ')} </dev/null 2>&1 1>&3 3>&-); s=$?; } 3>&1`,
    `printf '\\n%s %s\\n' "$M" "$s"; printf '%s\\n%s.\\n' "$e" "$M"`,
    '',
  ].join('\n');
}

/**
 * Finds the end of one answer in what the channel printed: the command's stdout, its exit status
 * and its stderr, and how many bytes the answer took; null while the answer is not complete.
 */
export function parseChannelAnswer(out: Buffer, mark: string): { exitCode: number; stdout: Buffer; stderr: string; used: number } | null {
  const tag = Buffer.from(`\n${mark} `);
  const at = out.indexOf(tag);
  if (at < 0) return null;
  const nl = out.indexOf(0x0a, at + tag.length);
  if (nl < 0) return null;
  const end = Buffer.from(`\n${mark}.\n`);
  const stop = out.indexOf(end, nl);
  if (stop < 0) return null;
  const status = Number(out.subarray(at + tag.length, nl).toString('latin1'));
  return {
    exitCode: Number.isInteger(status) ? status : 255,
    stdout: out.subarray(0, at),
    stderr: out.subarray(nl + 1, stop).toString('utf8'),
    used: stop + end.length,
  };
}

/**
 * One long-lived shell on a host over its master connection: commands are written to its stdin one
 * after another and their answers read back, so a command every second (the view's log copy
 * rounds) starts no ssh client here and no session or login shell there. Binary-safe stdout.
 * A command that runs past its time, or a connection that drops, ends the channel (its commands get
 * the failure); the next command opens a new one. A command's time counts from its call, so one
 * waiting behind a slow command still answers within it. No event-loop reference while idle.
 */
export class HostChannel {
  private proc: StartedProcess | null = null;
  private buffer: Buffer = Buffer.alloc(0);
  private sshErr = '';
  private current: { request: Request; mark: string } | null = null;
  private readonly queue: Request[] = [];
  private idle: NodeJS.Timeout | null = null;
  /** ssh processes this channel started (tests and benches count them). */
  opened = 0;

  /** Until the shell's first line: what a login rc printed before it is not an answer. */
  private hello: Buffer | null = null;

  /** `shell`: the program the channel runs on the host (tests give one that prints first). */
  constructor(
    private readonly host: SshHost,
    private readonly shell: readonly string[] = ['sh'],
  ) {}

  /** Runs `argv` on the host in the channel's shell (commands wait their turn). */
  run(argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<ChannelResult> {
    return new Promise((resolve) => {
      const request: Request = { argv, timeoutMs: options.timeoutMs ?? 30_000, timer: null, resolve };
      request.timer = setTimeout(() => this.expire(request), request.timeoutMs);
      this.queue.push(request);
      this.next();
    });
  }

  /** A command's time ran out: one under way ends the channel (the host stalls); one waiting just leaves. */
  private expire(request: Request): void {
    const late: ChannelResult = { exitCode: null, stdout: Buffer.alloc(0), stderr: `host ${this.host.name}: no answer within ${Math.round(request.timeoutMs / 1000)} s` };
    if (this.current?.request === request) {
      // A host that stalls: the channel is ended (a later command opens a new one).
      if (this.proc) this.end(this.proc, true);
      this.settle(late);
      return;
    }
    const at = this.queue.indexOf(request);
    if (at < 0) return;
    this.queue.splice(at, 1);
    request.resolve(late);
  }

  private open(): StartedProcess {
    const argv = [...sshArgv(this.host), remoteLine({ argv: [...this.shell] }, this.host.config.env)];
    const proc = localTransport.start({ argv, input: '' });
    this.opened++;
    this.buffer = Buffer.alloc(0);
    this.sshErr = '';
    const hello = `flotilla-ch-hello-${randomBytes(8).toString('hex')}`;
    this.hello = Buffer.from(`${hello}\n`);
    proc.stdin?.write(`printf '%s\\n' ${hello}\n`);
    proc.stdout.on('data', (chunk: Buffer) => {
      if (this.proc !== proc) return;
      this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
      if (this.hello) {
        const at = this.buffer.indexOf(this.hello);
        if (at < 0) {
          // A banner that never ends is no shell: keep only what could hold the start of the line.
          if (this.buffer.length > 1024 * 1024) this.buffer = this.buffer.subarray(-this.hello.length);
          return;
        }
        this.buffer = this.buffer.subarray(at + this.hello.length);
        this.hello = null;
      }
      this.answer();
    });
    proc.stderr.on('data', (chunk: Buffer) => {
      if (this.proc === proc && this.sshErr.length < 64 * 1024) this.sshErr += chunk.toString('utf8');
    });
    proc.stdin?.on('error', () => undefined); // a channel that went away: its exit says so
    void proc.exited.then((exit) => {
      if (this.proc !== proc) return;
      this.proc = null;
      if (exit.error) return this.fail({ exitCode: 255, stdout: Buffer.alloc(0), stderr: `ssh: ${exit.error.message}`, error: `ssh: ${exit.error.message}` });
      const said = this.sshErr;
      const exitCode = exit.exitCode === 0 || exit.exitCode === null ? 255 : exit.exitCode;
      this.fail({ exitCode, stdout: Buffer.alloc(0), stderr: said.trim() || `host ${this.host.name}: the connection ended`, sshStderr: said });
    });
    // The channel's process and pipes keep nothing alive here: a pending command's timer does.
    proc.unref?.();
    return proc;
  }

  private next(): void {
    if (this.current || this.queue.length === 0) return;
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const request = this.queue.shift()!;
    const proc = (this.proc ??= this.open());
    // What ssh says from here on is about this command (a failed open, a dropped connection).
    this.sshErr = '';
    const mark = `flotilla-ch-${randomBytes(8).toString('hex')}`;
    this.current = { request, mark };
    proc.stdin?.write(channelRequest(request.argv, mark));
  }

  private answer(): void {
    if (!this.current) return;
    const got = parseChannelAnswer(this.buffer, this.current.mark);
    if (!got) return;
    this.buffer = this.buffer.subarray(got.used);
    // The bytes are copied out: the buffer they sit in is kept for what comes next.
    this.settle({ exitCode: got.exitCode, stdout: Buffer.from(got.stdout), stderr: got.stderr });
  }

  private settle(r: ChannelResult): void {
    const current = this.current;
    if (!current) return;
    if (current.request.timer) clearTimeout(current.request.timer);
    this.current = null;
    current.request.resolve(r);
    if (this.queue.length) this.next();
    else if (this.proc) {
      this.idle = setTimeout(() => this.close(), IDLE_MS);
      this.idle.unref();
    }
  }

  /** The connection ended: the command under way and every waiting one get `r`. */
  private fail(r: ChannelResult): void {
    const waiting = [...(this.current ? [this.current.request] : []), ...this.queue.splice(0)];
    this.current = null;
    for (const request of waiting) {
      if (request.timer) clearTimeout(request.timer);
      request.resolve(r);
    }
  }

  /**
   * Ends a channel's ssh. An idle one only needs its stdin closed: its shell reads the end and
   * exits, and ssh with it. It is signalled when it is still there after a moment (a command under
   * way, a stalled host), or at once with `now`. A signal while the host's login shell was still
   * in its rc file could leave that rc's locks behind (pyenv's rehash lock held every later login
   * for a minute).
   */
  private end(proc: StartedProcess, now = false): void {
    if (this.proc === proc) this.proc = null;
    proc.stdin?.end();
    const pid = proc.pid;
    if (!pid) return;
    if (now) {
      signalGroup(pid, 'SIGTERM');
      return;
    }
    let gone = false;
    void proc.exited.then(() => (gone = true));
    setTimeout(() => {
      if (!gone) signalGroup(pid, 'SIGTERM');
    }, 2000).unref();
  }

  /** Ends the channel now (its shell on the host ends with it); waiting commands fail. */
  close(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = null;
    const proc = this.proc;
    if (!proc) return;
    this.end(proc);
    this.fail({ exitCode: 255, stdout: Buffer.alloc(0), stderr: `host ${this.host.name}: the channel was closed` });
  }
}
