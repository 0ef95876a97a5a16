import { open, rm, stat } from 'node:fs/promises';
import * as pty from 'node-pty';
import { PtyError } from '../errors.js';
import { processZombie } from '../exec/process-alive.js';
import type { Runner } from '../exec/runner.js';
import { passthrough } from './attach.js';
import { LiveScreen } from './live-screen.js';
import { writeFileAtomic } from '../fs/secure-files.js';
import { distScript, shellQuote } from '../package-root.js';
import { findExecutable } from './which.js';
import { safeResize } from './pty-runtime.js';
import { killProcessGroup, type Runtime, type RuntimeSession, type SpawnSpec } from './runtime.js';
import { joinCapture } from './serialize.js';
import { PANE_FORMAT, clientEnv, parsePaneRows, target, tmuxSocketName, writeTmuxConf, type PaneRow } from './tmux.js';
import type { AttachOptions, AttachOutcome, ScreenSnapshot } from './types.js';

const PANES_TTL_MS = 250;
const POLL_MS = 1000;
const LOG_POLL_MS = 400;
/** How long a dead pane may go without tmux reporting its exit status before it counts as none. */
const EXIT_STATUS_WAIT_MS = 3000;

/** A pane tmux shows as running whose process has in fact exited (unreaped). */
function zombiePane(row: PaneRow): boolean {
  return !row.dead && processZombie(row.pid);
}

/** tmux reads an argument ending in ";" as a command separator; "\;" keeps it literal. */
export function tmuxArg(arg: string): string {
  return arg.endsWith(';') ? `${arg.slice(0, -1)}\\;` : arg;
}

/** tmux passes commands to its server in one message of at most ~16 KB; longer argv goes by file. */
const DIRECT_ARGV_LIMIT = 8 * 1024;

/**
 * The pane command for an agent argv: the argv itself when short; else a launcher reading it from
 * a 0600 file (bash exec's in place, so the agent stays the pane's process; node otherwise).
 */
async function launchArgv(spec: SpawnSpec): Promise<string[]> {
  const size = spec.argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0);
  if (size <= DIRECT_ARGV_LIMIT) return spec.argv.map(tmuxArg);
  await writeFileAtomic(spec.argvFile, `${spec.argv.join('\0')}\0`);
  const bash = findExecutable('bash', { cwd: spec.cwd, path: spec.env.PATH });
  if (bash) return [bash, '-c', 'mapfile -d "" -t A < "$0" && rm -f -- "$0" && exec "${A[@]}"', spec.argvFile];
  return [process.execPath, distScript('engine', 'sessions', 'launch.js'), spec.argvFile];
}

/**
 * `-e` flags for the pane: what differs from this process's environment (flotilla's variables, the
 * profile's env) plus PATH, so secrets of the environment are not put on a command line.
 */
function paneEnvArgs(env: Record<string, string>): string[] {
  return Object.entries(env)
    .filter(([k, v]) => k === 'PATH' || process.env[k] !== v)
    .flatMap(([k, v]) => ['-e', `${k}=${v}`]);
}

/** A tmux client in a node-pty, feeding a headless terminal: the live screen of one session. */
class ScreenClient {
  readonly screen: LiveScreen;
  private readonly p: pty.IPty;
  private exited = false;

  constructor(argv: string[], cols: number, rows: number) {
    this.p = pty.spawn(argv[0]!, argv.slice(1), { name: 'xterm-256color', cols, rows, env: clientEnv() });
    this.screen = new LiveScreen(cols, rows, (reply) => {
      if (!this.exited) this.p.write(reply);
    });
    this.screen.setFlowControl({
      pause: () => {
        if (!this.exited) this.p.pause();
      },
      resume: () => {
        if (!this.exited) this.p.resume();
      },
    });
    this.p.onData((d) => this.screen.write(d));
    this.p.onExit(() => {
      this.exited = true;
    });
  }

  resize(cols: number, rows: number): void {
    this.screen.resize(cols, rows);
    if (!this.exited) safeResize(this.p, cols, rows);
  }

  dispose(): void {
    if (!this.exited) {
      try {
        this.p.kill();
      } catch {
        // gone
      }
    }
    this.screen.dispose();
  }
}

class TmuxSession implements RuntimeSession {
  private outputListeners = new Set<(d: string) => void>();
  private exitListeners = new Set<(code: number | null, message?: string) => void>();
  exited: { code: number | null } | null = null;
  /** When a poll first saw the pane dead (or gone) without an exit status; null while it runs. */
  unsettledSince: number | null = null;
  private client: ScreenClient | null = null;
  private subscribers = 0;
  private logTimer: NodeJS.Timeout | null = null;
  private logOffset = -1;
  private released = false;

  constructor(
    private readonly rt: TmuxRuntime,
    readonly name: string,
    public pid: number | null,
    private readonly logFile: string,
  ) {}

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
    const r = await this.tmux(['capture-pane', '-p', ...(ansi ? ['-e'] : []), ...(this.exited ? ['-S', '-1'] : []), '-t', target(this.name)]);
    if (r.exitCode !== 0) throw new PtyError(`tmux capture-pane of ${this.name} failed: ${r.stderr.trim()}`);
    return joinCapture(r.stdout.replace(/\n$/, '').split('\n').map((l) => l.replace(/\s+$/, '')));
  }

  async isAlive(): Promise<boolean> {
    const row = (await this.rt.panes()).find((p) => p.name === this.name);
    return Boolean(row && !row.dead);
  }

  onOutput(listener: (data: string) => void): void {
    this.outputListeners.add(listener);
    if (!this.logTimer && !this.released) {
      this.logTimer = setInterval(() => void this.pollLog(), LOG_POLL_MS);
      this.logTimer.unref?.();
    }
  }

  /** Follows the log file tmux pipes the pane into: new bytes are output. */
  private async pollLog(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.logFile)).size;
    } catch {
      return;
    }
    if (this.logOffset < 0) this.logOffset = 0;
    if (size < this.logOffset) this.logOffset = 0; // rotated
    if (size === this.logOffset) return;
    const from = Math.max(this.logOffset, size - 64 * 1024);
    const handle = await open(this.logFile, 'r');
    try {
      const buf = Buffer.alloc(size - from);
      await handle.read(buf, 0, buf.length, from);
      this.logOffset = size;
      const text = buf.toString('utf8');
      for (const l of this.outputListeners) l(text);
    } finally {
      await handle.close();
    }
  }

  /** Starts following the log from its current end (used on adoption). */
  async skipExistingLog(): Promise<void> {
    try {
      this.logOffset = (await stat(this.logFile)).size;
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
    return ['tmux', '-L', this.rt.socket, 'attach-session', '-t', `=${this.name}`];
  }

  subscribeScreen(size: { cols: number; rows: number }, onChange: () => void): () => void {
    if (!this.client) this.client = new ScreenClient(this.attachArgv(), size.cols, size.rows);
    else this.client.resize(size.cols, size.rows);
    this.subscribers++;
    const off = this.client.screen.onChange(onChange);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      off();
      if (--this.subscribers === 0 && this.client) {
        this.client.dispose();
        this.client = null;
      }
    };
  }

  screen(top?: number): ScreenSnapshot | null {
    return this.client ? this.client.screen.snapshot(top) : null;
  }

  history(): string[] | null {
    return this.client ? this.client.screen.history() : null;
  }

  resize(cols: number, rows: number): void {
    if (cols < 1 || rows < 1) return;
    if (this.client) this.client.resize(cols, rows);
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
    if (this.pid && !this.exited) await killProcessGroup(this.pid);
    await this.tmux(['kill-session', '-t', `=${this.name}`]);
    this.markExited(this.exited?.code ?? null);
  }

  release(): void {
    this.released = true;
    if (this.logTimer) clearInterval(this.logTimer);
    this.logTimer = null;
    this.outputListeners.clear();
    this.client?.dispose();
    this.client = null;
  }
}

/**
 * Sessions as detached tmux sessions on flotilla's private socket, named by task. They survive this
 * process; `follow` picks them up again. One poller (list-panes every second) notices exits.
 */
export class TmuxRuntime implements Runtime {
  readonly kind = 'tmux' as const;
  readonly socket: string;
  private sessions = new Map<string, TmuxSession>();
  private poller: NodeJS.Timeout | null = null;
  private confFile: string | null = null;

  constructor(
    private readonly runner: Runner,
    private readonly o: { repoRoot: string; stateDir: string; socket?: string },
  ) {
    this.socket = o.socket ?? tmuxSocketName(o.repoRoot);
  }

  async tmux(args: string[]) {
    const changes = args[0] !== 'list-panes' && args[0] !== 'capture-pane';
    if (changes) this.invalidatePanes();
    const r = await this.runner.run('tmux', ['-L', this.socket, ...args], { env: { ...clientEnv(), TMUX: undefined, TMUX_PANE: undefined }, timeoutMs: 15_000 });
    if (changes) this.invalidatePanes();
    return r;
  }

  private panesCache: { at: number; rows: Promise<PaneRow[] | null> } | null = null;

  /**
   * Every session's first pane; [] when no server runs; null when tmux could not say. One answer
   * serves every caller for PANES_TTL_MS, so a monitoring pass over many tasks asks tmux once.
   */
  panesOrNull(): Promise<PaneRow[] | null> {
    const now = Date.now();
    if (this.panesCache && now - this.panesCache.at < PANES_TTL_MS) return this.panesCache.rows;
    const rows = this.listPanes();
    this.panesCache = { at: now, rows };
    return rows;
  }

  /** Forgets the cached pane list (after starting or killing a session). */
  private invalidatePanes(): void {
    this.panesCache = null;
  }

  private async listPanes(): Promise<PaneRow[] | null> {
    const rows = await this.readPanes();
    if (!rows?.some((r) => zombiePane(r) || (r.dead && r.exitCode === null))) return rows;
    // A SIGCHLD that arrives while tmux spawns a pane (libutempter has its own handler then) is
    // lost, and the agent stays an unreaped zombie: its pane still looks alive, or dead without an
    // exit status, until some later SIGCHLD. Send the server one so it reaps and records the status,
    // and ask again; a pane whose process is still a zombie counts as dead (its status may follow on
    // a later poll: see settle).
    await this.nudgeServer();
    const again = await this.readPanes();
    return again?.map((r) => (zombiePane(r) ? { ...r, dead: true } : r)) ?? null;
  }

  private async readPanes(): Promise<PaneRow[] | null> {
    const r = await this.tmux(['list-panes', '-a', '-F', PANE_FORMAT]);
    if (r.exitCode === 0) return parsePaneRows(r.stdout);
    if (/no server running|error connecting|no sessions/i.test(r.stderr)) return [];
    return null;
  }

  async panes(): Promise<PaneRow[]> {
    return (await this.panesOrNull()) ?? [];
  }

  private startPoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref?.();
  }

  private polling = false;

  private async poll(): Promise<void> {
    // One poll at a time: under load list-panes can take longer than POLL_MS, and overlapping
    // polls would count one dead-pane sighting several times.
    if (this.sessions.size === 0 || this.polling) return;
    this.polling = true;
    try {
      const list = await this.panesOrNull();
      if (!list) return; // tmux did not answer this time; ask again next round
      const rows = new Map(list.map((r) => [r.name, r]));
      for (const [name, s] of [...this.sessions]) {
        await this.settle(s, rows.get(name) ?? null);
        if (s.exited) this.sessions.delete(name);
      }
    } finally {
      this.polling = false;
    }
  }

  /**
   * Marks a session exited once tmux says so with its status. tmux shows a pane dead as soon as its
   * pty closes, which can be before it has reaped the process, so a dead pane without
   * pane_dead_status is asked about again; only after EXIT_STATUS_WAIT_MS without a status does the
   * exit count as one without a code (a signal, or a session killed by someone else).
   */
  private async settle(s: TmuxSession, listed: PaneRow | null): Promise<void> {
    // The list was read through listPanes, which has nudged the server about unreaped panes.
    let row: PaneRow | null | undefined = listed;
    if (!row || (row.dead && row.exitCode === null)) row = await this.paneOf(s.name);
    if (row === undefined) return; // tmux did not answer: next round
    if (row && !row.dead) {
      if (row.pid) s.pid = row.pid;
      s.unsettledSince = null;
      return;
    }
    if (row && row.exitCode !== null) {
      s.markExited(row.exitCode);
      return;
    }
    const now = Date.now();
    s.unsettledSince ??= now;
    if (now - s.unsettledSince >= EXIT_STATUS_WAIT_MS) s.markExited(null);
  }

  /** Sends the tmux server SIGCHLD so it reaps exited panes it was not told about. */
  private async nudgeServer(): Promise<void> {
    const r = await this.tmux(['display-message', '-p', '#{pid}']);
    const pid = Number.parseInt(r.stdout.trim(), 10);
    if (r.exitCode !== 0 || !Number.isInteger(pid) || pid <= 1) return;
    try {
      process.kill(pid, 'SIGCHLD');
    } catch {
      // the server is gone or not ours: the next poll sees it
    }
  }

  /** One session's pane asked for directly: null when the session is gone, undefined when tmux did not answer. */
  private async paneOf(name: string): Promise<PaneRow | null | undefined> {
    const r = await this.tmux(['list-panes', '-t', `=${name}`, '-F', PANE_FORMAT]);
    if (r.exitCode === 0) {
      const row = parsePaneRows(r.stdout).find((p) => p.name === name) ?? null;
      return row && zombiePane(row) ? { ...row, dead: true } : row;
    }
    if (/can't find session|no server running|error connecting.*(No such file|Connection refused)/i.test(r.stderr)) return null;
    return undefined;
  }

  async spawn(spec: SpawnSpec): Promise<RuntimeSession> {
    if (!this.confFile) this.confFile = await writeTmuxConf(this.o.stateDir);
    const name = spec.taskId;
    const t = target(name);
    // A dead session left from an earlier run of this task goes first.
    const killed = await this.tmux(['kill-session', '-t', `=${name}`]);
    // Start with a placeholder so the log pipe is in place before the agent prints anything.
    const create = () =>
      this.tmux(['-f', this.confFile!, 'new-session', '-d', '-s', name, '-x', String(spec.cols), '-y', String(spec.rows), '-c', spec.cwd, '--', 'cat']);
    let created = await create();
    if (created.exitCode !== 0 && killed.exitCode === 0 && !created.notFound) {
      // Killing the last session makes the server exit; a client can reach it while it is going.
      await new Promise((r) => setTimeout(r, 300));
      created = await create();
    }
    if (created.exitCode !== 0) {
      throw new PtyError(created.notFound ? 'tmux is not installed (runtime "tmux")' : `tmux new-session ${name} failed: ${created.stderr.trim()}`);
    }
    const pidFile = `${spec.logFile}.pid`;
    await rm(pidFile, { force: true });
    const logCmd = [process.execPath, distScript('engine', 'sessions', 'log-writer.js'), spec.logFile, String(spec.logMaxBytes), String(spec.logKeep), pidFile];
    await this.tmux(['pipe-pane', '-o', '-t', t, `exec ${logCmd.map(shellQuote).join(' ')}`]);
    const envArgs = paneEnvArgs(spec.env);
    const command = await launchArgv(spec);
    const respawn = await this.tmux(['respawn-pane', '-k', '-t', t, '-c', spec.cwd, ...envArgs, '--', ...command]);
    if (respawn.exitCode !== 0) {
      await this.tmux(['kill-session', '-t', `=${name}`]);
      throw new PtyError(`tmux could not start ${spec.argv[0]} in session ${name}: ${respawn.stderr.trim()}`);
    }
    const row = (await this.panes()).find((p) => p.name === name);
    if (row?.pid) await writeFileAtomic(pidFile, `${row.pid}\n`).catch(() => undefined);
    const session = new TmuxSession(this, name, row?.pid ?? null, spec.logFile);
    session.onExit(() => this.sessions.delete(name));
    this.sessions.set(name, session);
    // An agent that is already gone is noticed by the poller, which waits for tmux's exit status.
    this.startPoller();
    return session;
  }

  async list() {
    return this.panes();
  }

  async follow(name: string, spec: Pick<SpawnSpec, 'logFile'>): Promise<RuntimeSession | null> {
    const existing = this.sessions.get(name);
    if (existing) return existing;
    // panes() has nudged the server about an unreaped pane, so a one-shot command sees the exit.
    const row = (await this.panes()).find((p) => p.name === name);
    if (!row) return null;
    const session = new TmuxSession(this, name, row.pid, spec.logFile);
    await session.skipExistingLog();
    if (row.dead && row.exitCode !== null) {
      session.markExited(row.exitCode);
      return session;
    }
    this.sessions.set(name, session);
    this.startPoller();
    return session;
  }

  async close(options: { killSessions?: boolean } = {}): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    const all = [...this.sessions.values()];
    if (options.killSessions) await Promise.all(all.map((s) => s.kill()));
    for (const s of all) s.release();
    this.sessions.clear();
  }
}
