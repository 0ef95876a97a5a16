import { rm } from 'node:fs/promises';
import { PtyError } from '../core/index.js';
import type { Runner } from '../exec/index.js';
import { dirname } from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';
import { logPipeCommand } from './log-pipe.js';
import type { Runtime, RuntimeSession, SpawnSpec } from './runtime.js';
import { launchArgv, paneEnvArgs, withSecretEnv } from './tmux-commands.js';
import { PaneList } from './tmux-panes.js';
import { LogTicker, TmuxSession } from './tmux-session.js';
import { CaptureBatch } from './capture-batch.js';
import { clientEnv, target, tmuxSocketName, writeTmuxConf, type PaneRow } from './tmux.js';

const POLL_MS = 1000;
/** How long a dead pane may go without tmux reporting its exit status before it counts as none. */
const EXIT_STATUS_WAIT_MS = 3000;

/**
 * Sessions as detached tmux sessions on flotilla's private socket, named by task. They survive this
 * process; `follow` picks them up again. One poller (list-panes every second) notices exits.
 */
export class TmuxRuntime implements Runtime {
  readonly kind = 'tmux' as const;
  readonly socket: string;
  protected sessions = new Map<string, TmuxSession>();
  /** One timer for the log polls of all the sessions (see LogTicker). */
  readonly logTicker = new LogTicker();
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

  protected async poll(): Promise<void> {
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
    if (!row || (row.dead && row.exitCode === null)) row = await this.paneList.paneOf(s.name);
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
    await this.tmux(['pipe-pane', '-o', '-t', t, logPipeCommand({ logFile: spec.logFile, logMaxBytes: spec.logMaxBytes, logKeep: spec.logKeep, pidFile })]);
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
