import { rm } from 'node:fs/promises';
import { PtyError } from '../core/index.js';
import type { Runner } from '../exec/index.js';
import { dirname } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';
import { logHubAnswers, logHubPossible, logHubSocket, logHubSync, logPipeCommand } from './log-pipe.js';
import type { Runtime, RuntimeSession, SpawnSpec } from './runtime.js';
import { launchArgv, paneEnvArgs, tmuxArg, withSecretEnv } from './tmux-commands.js';
import { PaneList } from './tmux-panes.js';
import { LogTicker, TmuxSession } from './tmux-session.js';
import { CaptureBatch } from './capture-batch.js';
import { TerminalPool } from './live-screen.js';
import { clientEnv, target, tmuxSocketName, writeTmuxConf, type PaneRow } from './tmux.js';

const POLL_MS = 1000;
/**
 * On a local server, a poll whose pane processes all still exist (signal 0, no process started)
 * asks tmux nothing; tmux is asked (`list-panes`, with the zombie check) at least this often.
 */
export const FULL_POLL_MS = 5000;
/** How long a dead pane may go without tmux reporting its exit status before it counts as none. */
const EXIT_STATUS_WAIT_MS = 3000;

/**
 * Sessions as detached tmux sessions on flotilla's private socket, named by task. They survive this
 * process; `follow` picks them up again. One poller notices exits: every second it checks that the
 * pane processes exist (signal 0), and asks tmux (`list-panes`) when one does not or every
 * FULL_POLL_MS (every second for a server on another host).
 */
/** The log timer of every tmux runtime of this process (TmuxRuntime.logTicker). */
const sharedTicker = new LogTicker();

export class TmuxRuntime implements Runtime {
  readonly kind = 'tmux' as const;
  readonly socket: string;
  protected sessions = new Map<string, TmuxSession>();
  /**
   * One timer for the log polls of all the sessions (see LogTicker), shared by every tmux runtime
   * of the process: with agents on five hosts (a runtime each) the view read their logs, and
   * redrew for what it found, five times a second at five moments instead of once.
   */
  readonly logTicker: LogTicker = sharedTicker;
  /** Headless terminals handed from one shown screen to the next (see TerminalPool). */
  readonly terminals = new TerminalPool();
  private readonly captures = new CaptureBatch((args) => this.tmux(args));
  private poller: NodeJS.Timeout | null = null;
  private confFile: string | null = null;
  private readonly paneList = new PaneList(
    (args) => this.tmux(args),
    () => this.serverIsLocal,
  );

  /** Whether the tmux server runs on this machine (its pane pids are this machine's). */
  protected get serverIsLocal(): boolean {
    return true;
  }

  constructor(
    private readonly runner: Runner,
    private readonly o: { repoRoot: string; stateDir: string; socket?: string },
  ) {
    this.socket = o.socket ?? tmuxSocketName(o.repoRoot);
  }

  async tmux(args: string[]) {
    const changes = args[0] !== 'list-panes' && args[0] !== 'capture-pane';
    if (changes) this.paneList.invalidate();
    const r = await this.runTmux(args);
    if (changes) this.paneList.invalidate();
    return r;
  }

  /** `tmux capture-pane <args>`, sent together with the other screen reads of the moment (CaptureBatch). */
  capturePane(args: string[]) {
    return this.captures.capture(args);
  }

  /** After changing sessions other than through tmux(): the next pane list is read afresh. */
  protected invalidatePanes(): void {
    this.paneList.invalidate();
  }

  /**
   * One tmux client command on this runtime's server. `-u`: without a UTF-8 locale (cron, a
   * bare ssh) tmux prints a format's tabs as `_`, and every pane row would be unreadable.
   */
  protected runTmux(args: string[]) {
    return this.runner.run('tmux', ['-u', '-L', this.socket, ...args], { env: { ...clientEnv(), TMUX: undefined, TMUX_PANE: undefined }, timeoutMs: 15_000 });
  }

  /**
   * Every session's first pane; [] when no server runs; null when tmux could not say (cached for
   * a moment: see PaneList).
   */
  panesOrNull(): Promise<PaneRow[] | null> {
    return this.paneList.get();
  }

  async panes(): Promise<PaneRow[]> {
    return (await this.panesOrNull()) ?? [];
  }

  /** A pane list read by another command (see PaneList.offer). */
  protected offerPanes(rows: PaneRow[]): void {
    this.paneList.offer(rows);
  }

  protected startPoller(): void {
    if (this.poller) return;
    this.poller = setInterval(() => void this.poll(), POLL_MS);
    this.poller.unref?.();
  }

  private polling = false;
  private lastFullPoll = 0;

  /**
   * Whether every followed session's pane process still exists, asked of the kernel (signal 0)
   * instead of tmux: at 100 agents a `list-panes` each second (a fork of this process) and its
   * zombie check (100 `/proc` reads) were most of what following them cost. An agent that ended
   * is gone at once (tmux reaps it); one left unreaped (a zombie passes signal 0) is found by the
   * full poll within FULL_POLL_MS. Only on this machine: a host's pids are not ours.
   */
  private allPanesRunning(): boolean {
    if (!this.serverIsLocal) return false;
    for (const s of this.sessions.values()) {
      if (!s.pid || s.unsettledSince !== null) return false;
      try {
        process.kill(s.pid, 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
      }
    }
    return true;
  }

  protected async poll(): Promise<void> {
    // One poll at a time: under load list-panes can take longer than POLL_MS, and overlapping
    // polls would count one dead-pane sighting several times.
    if (this.sessions.size === 0 || this.polling) return;
    if (Date.now() - this.lastFullPoll < FULL_POLL_MS && this.allPanesRunning()) return;
    this.polling = true;
    try {
      const list = await this.panesOrNull();
      if (!list) return; // tmux did not answer this time; ask again next round
      this.lastFullPoll = Date.now();
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
    if (!row || (row.dead && row.exitCode === null)) row = await this.paneList.paneOf(s.name);
    if (row === undefined) return; // tmux did not answer: next round
    if (row && !row.dead) {
      if (row.pid) s.pid = row.pid;
      s.unsettledSince = null;
      return;
    }
    if (row && row.exitCode !== null) {
      await this.logsWritten();
      s.markExited(row.exitCode);
      return;
    }
    const now = Date.now();
    s.unsettledSince ??= now;
    if (now - s.unsettledSince < EXIT_STATUS_WAIT_MS) return;
    await this.logsWritten();
    s.markExited(null);
  }

  /**
   * Before an exit is told: the shared writer has written what the pipes hold (the agent's last
   * output is in its pipe once tmux shows the pane dead), so the log holds all of it.
   */
  private async logsWritten(): Promise<void> {
    const hub = this.logHub();
    if (hub) await logHubSync(hub);
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
    await ensurePrivateDir(dirname(spec.logFile));
    // The shared writer died with pipes of running agents: they get new ones (one writer again).
    await this.repairLogs({ onlyIfWriterGone: true });
    // The log's name on the pane, for repairLogs; then the pipe to the shared writer (or its own).
    const log = { logFile: spec.logFile, logMaxBytes: spec.logMaxBytes, logKeep: spec.logKeep, pidFile, hubSocket: this.logHub() };
    await this.tmux([
      ...['set-option', '-p', '-t', t, '@flotilla-log-max', String(spec.logMaxBytes), ';'],
      ...['set-option', '-p', '-t', t, '@flotilla-log-keep', String(spec.logKeep), ';'],
      ...['set-option', '-p', '-t', t, '@flotilla-log', tmuxArg(spec.logFile), ';'],
      ...['pipe-pane', '-o', '-t', t, logPipeCommand(log)],
    ]);
    const envArgs = paneEnvArgs(spec.env);
    // Profile env values (tokens) go through a 0600 file, never tmux's command line (visible in ps).
    const wrapped = await withSecretEnv(spec, await launchArgv(spec), envArgs.secret);
    const respawn = await this.tmux(['respawn-pane', '-k', '-t', t, '-c', spec.cwd, ...envArgs, ...wrapped.envArgs, '--', ...wrapped.command]);
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

  /** The shared log writer's socket (log-pipe.ts), or null: each agent's pipe gets a writer of its own. */
  protected logHub(): string | null {
    return this.serverIsLocal && logHubPossible() ? logHubSocket(this.o.stateDir) : null;
  }

  /**
   * Gives a new log pipe to every running agent whose pipe is gone: all of them when the shared
   * writer no longer answers (killed: their pipes ended with it), else those tmux closed. The first
   * new pipe starts a writer again. Agents started before the shared writer (no `@flotilla-log`)
   * are left alone. Returns how many pipes were made.
   */
  async repairLogs(options: { onlyIfWriterGone?: boolean } = {}): Promise<number> {
    const hub = this.logHub();
    if (!hub) return 0;
    const hubAlive = await logHubAnswers(hub);
    if (hubAlive && options.onlyIfWriterGone) return 0;
    const r = await this.tmux(['list-panes', '-a', '-F', '#{pane_id}\t#{pane_dead}\t#{pane_pipe}\t#{@flotilla-log-max}\t#{@flotilla-log-keep}\t#{@flotilla-log}']);
    if (r.exitCode !== 0) return 0;
    let made = 0;
    for (const line of r.stdout.split('\n')) {
      const [pane, dead, pipe, max, keep, logFile] = line.split('\t');
      if (!pane?.startsWith('%') || dead !== '0' || !logFile || (hubAlive && pipe === '1')) continue;
      const command = logPipeCommand({ logFile, logMaxBytes: Number(max) || 5 * 1024 * 1024, logKeep: Number(keep) || 3, pidFile: `${logFile}.pid`, hubSocket: hub });
      if ((await this.tmux(['pipe-pane', '-t', pane, command])).exitCode === 0) made++;
    }
    return made;
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
      await this.logsWritten();
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
