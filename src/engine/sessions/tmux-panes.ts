import type { RunResult } from '../core/index.js';
import { processZombie } from '../exec/index.js';
import { PANE_FORMAT, parsePaneRows, type PaneRow } from './tmux.js';

const PANES_TTL_MS = 250;
const REMOTE_PANES_TTL_MS = 1000;

/** A pane tmux shows as running whose process has in fact exited (unreaped). */
function zombiePane(row: PaneRow): boolean {
  return !row.dead && processZombie(row.pid);
}

/**
 * The pane list of flotilla's tmux server, cached for a moment, and the one place that nudges the
 * server about unreaped panes (alive-looking zombies, dead panes without an exit status).
 */
export class PaneList {
  private cache: { at: number; rows: Promise<PaneRow[] | null> } | null = null;

  constructor(
    private readonly tmux: (args: string[]) => Promise<RunResult>,
    /** False for a server on another host: its pids are not this machine's (no zombie check, no signal). */
    private readonly isLocal: () => boolean = () => true,
  ) {}

  /** A list over ssh costs an exec: one serves a little longer (adoption lists, then follows each session). */
  private get ttlMs(): number {
    return this.isLocal() ? PANES_TTL_MS : REMOTE_PANES_TTL_MS;
  }

  /**
   * Every session's first pane; [] when no server runs; null when tmux could not say. One answer
   * serves every caller for PANES_TTL_MS (a host's: REMOTE_PANES_TTL_MS), so a monitoring pass over many tasks asks tmux once.
   */
  get(): Promise<PaneRow[] | null> {
    const now = Date.now();
    if (this.cache && now - this.cache.at < this.ttlMs) return this.cache.rows;
    const rows = this.listPanes();
    this.cache = { at: now, rows };
    return rows;
  }

  /** A pane list read by another command (a remote host's log copy): it serves as a fresh one. */
  offer(rows: PaneRow[]): void {
    this.cache = { at: Date.now(), rows: Promise.resolve(rows) };
  }

  /** Forgets the cached pane list (after starting or killing a session). */
  invalidate(): void {
    this.cache = null;
  }

  private async listPanes(): Promise<PaneRow[] | null> {
    const rows = await this.readPanes();
    if (!this.isLocal()) return rows;
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
  async paneOf(name: string): Promise<PaneRow | null | undefined> {
    const r = await this.tmux(['list-panes', '-t', `=${name}`, '-F', PANE_FORMAT]);
    if (r.exitCode === 0) {
      const row = parsePaneRows(r.stdout).find((p) => p.name === name) ?? null;
      return row && this.isLocal() && zombiePane(row) ? { ...row, dead: true } : row;
    }
    if (/can't find session|no server running|error connecting.*(No such file|Connection refused)/i.test(r.stderr)) return null;
    return undefined;
  }
}
