import { existsSync, statSync } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import { resolveProfile } from '../agents/profiles.js';
import type { FlotillaConfig, ProfileConfig } from '../config/schema.js';
import { PtyError, UsageError, errorMessage } from '../errors.js';
import type { Runner } from '../exec/runner.js';
import type { EventBus } from '../fleet/event-bus.js';
import type { FleetEvent } from '../fleet/types.js';
import { appendPrivateLine, ensurePrivateDir, writeFileAtomic } from '../fs/secure-files.js';
import { isTaskId } from '../ids.js';
import { taskPath, type RepoPaths } from '../repo.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { SessionInfo, SessionState } from '../tasks/schema.js';
import { buildAgentArgv } from './argv.js';
import { hookArgv, readHookEvents } from './hooks.js';
import { PtyRuntime } from './pty-runtime.js';
import { killProcessGroup, type Runtime, type RuntimeSession } from './runtime.js';
import { attemptMarker, sweepMarked } from '../exec/sweep.js';
import { DEFAULT_QUIET_MS, StatusTracker, compilePatterns, plainText } from './status-tracker.js';
import { TmuxRuntime } from './tmux-runtime.js';
import type { AttachOptions, AttachOutcome, ScreenSnapshot, SessionManager, StartSessionInput } from './types.js';
import { findExecutable } from './which.js';
import { BUILTIN_PROFILES } from '../agents/profiles.js';
import { processAlive } from '../exec/process-alive.js';
import { waitAtMost } from '../exec/wait-at-most.js';
import { isAgentGroup } from './agent-group.js';
import { replayLogScreen } from './last-screen.js';
import { readStartSize, writeStartSize } from './start-size.js';

export interface SessionManagerContext {
  paths: RepoPaths;
  config: FlotillaConfig;
  registry: TaskRegistry;
  events: EventBus<FleetEvent>;
  runner: Runner;
}

export interface SessionManagerOptions {
  /** Overrides config.runtime. */
  runtime?: 'tmux' | 'pty';
  /** tmux socket name (default flotilla-<hash of the repository path>). */
  tmuxSocket?: string;
  /** Terminal size a session starts with. */
  size?: { cols: number; rows: number };
}

/** Linux refuses a single exec argument of 128 KiB or more (MAX_ARG_STRLEN). */
const MAX_ARG_BYTES = 128 * 1024;

interface Entry {
  taskId: string;
  attempt: number;
  session: RuntimeSession;
  info: SessionInfo;
  tracker: StatusTracker | null;
  watcher: FSWatcher | null;
  hookOffset: number;
  writes: Promise<void>;
  exitedPromise: Promise<void>;
  /** Resolves once hook events recorded before following the session have been applied. */
  ready?: Promise<void>;
  /** Set by stop(), so the exit is recorded as "stopped". */
  stopping?: boolean;
}

/** Chooses the runtime: config "auto" means tmux when it is installed, else pty. */
export function chooseRuntime(config: FlotillaConfig, override?: 'tmux' | 'pty'): 'tmux' | 'pty' {
  const wanted = override ?? config.runtime;
  if (wanted !== 'auto') return wanted;
  return findExecutable('tmux', { cwd: process.cwd() }) ? 'tmux' : 'pty';
}

function agentEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && k !== 'TMUX' && k !== 'TMUX_PANE' && !k.startsWith('FLOTILLA_')) env[k] = v;
  }
  return { ...env, ...extra };
}

export function hookEventsFile(paths: RepoPaths, taskId: string): string {
  return taskPath(paths.hooksDir, taskId, 'events.jsonl');
}

export function attemptLogFile(paths: RepoPaths, taskId: string, attempt: number): string {
  return taskPath(paths.logsDir, taskId, `${attempt}.log`);
}

export function promptFile(paths: RepoPaths, taskId: string, attempt: number): string {
  return taskPath(paths.promptsDir, taskId, `${attempt}.md`);
}

/** Builds the session manager for a repository (runtime from config.runtime). */
export function createSessionManager(ctx: SessionManagerContext, options: SessionManagerOptions = {}): SessionManager {
  const kind = chooseRuntime(ctx.config, options.runtime);
  const runtime: Runtime =
    kind === 'tmux'
      ? new TmuxRuntime(ctx.runner, { repoRoot: ctx.paths.root, stateDir: ctx.paths.stateDir, ...(options.tmuxSocket ? { socket: options.tmuxSocket } : {}) })
      : new PtyRuntime();
  return new AgentSessions(ctx, runtime, options.size ?? readStartSize(ctx.paths.stateDir));
}

class AgentSessions implements SessionManager {
  readonly runtime: 'tmux' | 'pty';
  private entries = new Map<string, Entry>();
  private closed = false;

  constructor(
    private readonly ctx: SessionManagerContext,
    private readonly rt: Runtime,
    private size: { cols: number; rows: number },
  ) {
    this.runtime = rt.kind;
  }

  private profileOf(agent: string) {
    return resolveProfile(this.ctx.config, agent);
  }

  /** Writes attempt.session under the registry lock and tells the bus. Writes of one entry stay in order. */
  private record(taskId: string, attempt: number, info: SessionInfo, entry?: Entry): Promise<void> {
    const write = async () => {
      try {
        await this.ctx.registry.updateTask(taskId, (task) => {
          const a = task.attempts.find((x) => x.n === attempt);
          if (!a) return;
          a.session = info;
          if (info.state === 'exited' && !a.endedAt) a.endedAt = info.since;
          task.updatedAt = info.since;
        });
      } catch (err) {
        this.ctx.events.emit({ type: 'error', message: `task ${taskId}: cannot record session status: ${errorMessage(err)}` });
      }
      this.ctx.events.emit({ type: 'session.status', taskId, attempt, session: info });
    };
    if (!entry) return write();
    entry.writes = entry.writes.then(write);
    return entry.writes;
  }

  private setState(entry: Entry, state: SessionState, extra: Partial<SessionInfo> = {}): void {
    if (entry.info.state === 'exited') return;
    entry.info = { ...entry.info, ...extra, state, since: new Date().toISOString() };
    if (state !== 'exited' && !extra.message) delete entry.info.message;
    void this.record(entry.taskId, entry.attempt, entry.info, entry);
  }

  /** Wires status detection (hooks file, output, exit) for a followed session. */
  private track(
    taskId: string,
    attempt: number,
    agent: string,
    session: RuntimeSession,
    info: SessionInfo,
    hookOffset: number,
    detect = true,
    quietForMs?: number,
  ): Entry {
    const profile = (() => {
      try {
        return this.profileOf(agent);
      } catch {
        return BUILTIN_PROFILES.claude!;
      }
    })();
    let resolveExit!: () => void;
    const entry: Entry = {
      taskId,
      attempt,
      session,
      info,
      tracker: null,
      watcher: null,
      hookOffset,
      writes: Promise.resolve(),
      exitedPromise: new Promise<void>((r) => (resolveExit = r)),
    };
    this.entries.set(taskId, entry);
    if (detect) entry.ready = this.detect(entry, agent, profile, session, quietForMs);
    session.onExit((code, message) => {
      entry.tracker?.onExit();
      void entry.watcher?.close();
      entry.watcher = null;
      this.setState(entry, 'exited', {
        exitCode: code,
        message: message ?? (entry.stopping ? 'stopped' : code === 0 ? 'exited' : code === null ? 'ended by a signal' : `exited with code ${code}`),
      });
      void entry.writes.then(resolveExit);
    });
    return entry;
  }

  /** Status detection: the agent's hook events, then output, screen patterns and the quiet timer. */
  private detect(entry: Entry, agent: string, profile: ProfileConfig, session: RuntimeSession, quietForMs?: number): Promise<void> {
    const { taskId, attempt } = entry;
    entry.tracker = new StatusTracker({
      initial: entry.info.state,
      ...(quietForMs !== undefined ? { quietForMs } : {}),
      patterns: compilePatterns(profile.patterns ?? BUILTIN_PROFILES[agent]?.patterns),
      quietMs: profile.quietMs ?? BUILTIN_PROFILES[agent]?.quietMs ?? DEFAULT_QUIET_MS,
      readScreen: async () => plainText(await session.capture(false)),
      onChange: (state, detail) => this.setState(entry, state, detail ? { message: detail } : {}),
    });
    session.onOutput((data) => entry.tracker?.onOutput(data));
    const eventsFile = hookEventsFile(this.ctx.paths, taskId);
    let reading = Promise.resolve();
    const readHooks = (): Promise<void> => {
      return (reading = reading
        .then(async () => {
          const { events, offset } = await readHookEvents(eventsFile, entry.hookOffset);
          entry.hookOffset = offset;
          for (const e of events) if (e.attempt === null || e.attempt === attempt) entry.tracker?.onHookEvent(e);
        })
        .catch(() => undefined));
    };
    if (profile.hooks !== 'claude' && profile.hooks !== 'codex') return Promise.resolve();
    entry.watcher = watch(eventsFile, { ignoreInitial: true, awaitWriteFinish: false });
    entry.watcher.on('add', () => void readHooks()).on('change', () => void readHooks());
    // Events recorded so far (all of them when adopting) count at once.
    return readHooks();
  }

  async start(input: StartSessionInput): Promise<SessionInfo> {
    if (this.closed) throw new PtyError('the session manager is closed');
    const { taskId, attempt } = input;
    if (!isTaskId(taskId)) throw new UsageError(`"${taskId}" is not a valid task id`);
    if (await this.isAlive(taskId)) throw new UsageError(`task ${taskId} is already running (flotilla stop ${taskId} first)`);
    const data = await this.ctx.registry.read();
    const task = data.tasks.find((t) => t.id === taskId);
    if (!task) throw new UsageError(`no task "${taskId}" (see \`flotilla status\`)`);
    const att = task.attempts.find((a) => a.n === attempt);
    if (!att) throw new UsageError(`task ${taskId} has no attempt ${attempt}`);
    if (!existsSync(att.worktree)) {
      throw new PtyError(`task ${taskId} attempt ${attempt}: worktree ${att.worktree} is gone (flotilla retry ${taskId} starts a new attempt from its branch)`);
    }
    const profile = this.profileOf(task.agent);
    const pFile = promptFile(this.ctx.paths, taskId, attempt);
    const eventsFile = hookEventsFile(this.ctx.paths, taskId);
    const where = { file: this.ctx.paths.configFile, key: `profiles.${task.agent}` };
    const argv = buildAgentArgv(
      profile,
      { prompt: input.prompt, promptFile: pFile, model: profile.model ?? null, context: input.extraContext },
      where,
      hookArgv(profile.hooks, eventsFile, this.ctx.config.stopGate.enabled ? { taskId } : undefined),
    );
    const tooLong = argv.find((a) => Buffer.byteLength(a) >= MAX_ARG_BYTES);
    if (tooLong !== undefined) {
      throw new PtyError(
        `task ${taskId}: an argument of profile "${task.agent}" is ${Buffer.byteLength(tooLong)} bytes, over the ${MAX_ARG_BYTES / 1024} KiB a single argument may have; use {promptFile} instead of {prompt} in ${where.key}.command`,
      );
    }
    await writeFileAtomic(pFile, input.prompt);
    await ensurePrivateDir(taskPath(this.ctx.paths.hooksDir, taskId));
    await appendPrivateLine(eventsFile, '');
    const { offset: hookOffset } = await readHookEvents(eventsFile, 0);
    const env = agentEnv({
      ...(profile.env ?? {}),
      DISABLE_AUTOUPDATER: '1',
      FLOTILLA_TASK: taskId,
      FLOTILLA_ATTEMPT: String(attempt),
      FLOTILLA_REPO: this.ctx.paths.root,
    });
    const now = new Date().toISOString();
    if (!findExecutable(argv[0]!, { cwd: att.worktree, path: env.PATH })) {
      const info: SessionInfo = { state: 'exited', pid: null, since: now, runtime: this.runtime, exitCode: 127, message: `command not found: ${argv[0]} (profile "${task.agent}")` };
      await this.record(taskId, attempt, info);
      return info;
    }
    const previous = this.entries.get(taskId);
    if (previous) {
      previous.tracker?.onExit();
      await previous.watcher?.close();
      previous.session.release();
      this.entries.delete(taskId);
    }
    const session = await this.rt.spawn({
      taskId,
      attempt,
      argv,
      cwd: att.worktree,
      env,
      cols: this.size.cols,
      rows: this.size.rows,
      logFile: attemptLogFile(this.ctx.paths, taskId, attempt),
      logMaxBytes: this.ctx.config.logs.maxBytes,
      logKeep: this.ctx.config.logs.keep,
      argvFile: taskPath(this.ctx.paths.promptsDir, taskId, `${attempt}.argv`),
    });
    const info: SessionInfo = { state: 'starting', pid: session.pid, since: now, runtime: this.runtime, ...(session.name ? { name: session.name } : {}) };
    const entry = this.track(taskId, attempt, task.agent, session, info, hookOffset);
    await this.record(taskId, attempt, info, entry);
    return info;
  }

  /** The entry for a task: one this process follows, or (tmux) a session left by another process. */
  private async lookup(taskId: string, detect = false): Promise<Entry | null> {
    const known = this.entries.get(taskId);
    if (known && (known.info.state !== 'exited' || this.rt.kind !== 'tmux')) return known;
    if (this.rt.kind !== 'tmux' || !isTaskId(taskId)) return null;
    if (known) {
      // Exited here; follow it again only if another process has started it since.
      const row = (await this.rt.list()).find((r) => r.name === taskId);
      if (!row || row.dead) return known;
      known.session.release();
      this.entries.delete(taskId);
    }
    const data = await this.ctx.registry.read();
    const task = data.tasks.find((t) => t.id === taskId);
    const att = task?.attempts.at(-1);
    if (!task || !att) return null;
    const session = await this.rt.follow(taskId, { logFile: attemptLogFile(this.ctx.paths, taskId, att.n) });
    if (!session) return null;
    const info: SessionInfo = att.session ?? { state: 'working', pid: session.pid, since: new Date().toISOString(), runtime: 'tmux', name: taskId };
    // Replay this attempt's hook events so the status is right at once.
    // The output log stops growing when the agent goes quiet: its age says how long it has been.
    let quietForMs: number | undefined;
    try {
      quietForMs = Math.max(0, Date.now() - statSync(attemptLogFile(this.ctx.paths, taskId, att.n)).mtimeMs);
    } catch {
      quietForMs = undefined;
    }
    const entry = this.track(taskId, att.n, task.agent, session, { ...info, pid: session.pid }, 0, detect, quietForMs);
    await entry.ready;
    // Quiet long enough already: decide the status now (a one-shot `flotilla check` sees it).
    await entry.tracker?.settle();
    await entry.writes;
    return entry;
  }

  private async require(taskId: string): Promise<Entry> {
    const entry = await this.lookup(taskId);
    if (entry) return entry;
    if (this.rt.kind === 'pty' && isTaskId(taskId)) {
      const recorded = (await this.ctx.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1)?.session;
      if (recorded && recorded.state !== 'exited' && recorded.runtime === 'pty') {
        throw new UsageError(`task ${taskId} runs in another flotilla process (pty runtime: only that process can reach it; runtime "tmux" makes sessions reachable from anywhere)`);
      }
    }
    throw new UsageError(`task ${taskId} has no session (flotilla start ${taskId})`);
  }

  /**
   * A pty session that another flotilla process holds (its `flotilla start`, its TUI) and that is
   * still running: only that process has the pty, but the agent's process group can be reached.
   */
  private async heldElsewhere(taskId: string): Promise<{ attempt: number; info: SessionInfo & { pid: number } } | null> {
    if (this.entries.has(taskId) || !isTaskId(taskId)) return null;
    const att = (await this.ctx.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1);
    const s = att?.session;
    if (!att || !s || s.runtime !== 'pty' || s.state === 'exited' || !s.pid) return null;
    return isAgentGroup(s.pid, taskId) ? { attempt: att.n, info: { ...s, pid: s.pid } } : null;
  }

  async stop(taskId: string): Promise<void> {
    const elsewhere = await this.heldElsewhere(taskId);
    if (elsewhere) {
      // The holding process sees its agent exit and ends its own follow-up.
      await killProcessGroup(elsewhere.info.pid);
      await sweepMarked(attemptMarker(taskId, elsewhere.attempt));
      const info: SessionInfo = { ...elsewhere.info, state: 'exited', since: new Date().toISOString(), exitCode: null, message: 'stopped' };
      await this.record(taskId, elsewhere.attempt, info);
      return;
    }
    const entry = await this.require(taskId);
    entry.stopping = true;
    await entry.session.kill();
    // Whatever left the agent's group (setsid, a daemonising fork) still carries its marker.
    await sweepMarked(attemptMarker(taskId, entry.attempt));
    await waitAtMost(entry.exitedPromise, 3000);
  }

  async send(taskId: string, text: string, options: { enter?: boolean } = {}): Promise<void> {
    const entry = await this.require(taskId);
    if (!(await entry.session.isAlive())) throw new UsageError(`task ${taskId}: the agent has exited`);
    entry.tracker?.onInput();
    await entry.session.sendText(text, options.enter ?? true);
  }

  async capture(taskId: string, options: { ansi?: boolean } = {}): Promise<string> {
    const entry = await this.require(taskId);
    return entry.session.capture(options.ansi ?? false);
  }

  async isAlive(taskId: string): Promise<boolean> {
    const entry = this.entries.get(taskId);
    if (entry && entry.info.state !== 'exited') return entry.session.isAlive();
    if (await this.heldElsewhere(taskId)) return true;
    // tmux: another process may have started the task again since.
    if (this.rt.kind !== 'tmux') return false;
    const row = (await this.rt.list()).find((r) => r.name === taskId);
    return Boolean(row && !row.dead);
  }

  status(taskId: string): SessionState | null {
    return this.entries.get(taskId)?.info.state ?? null;
  }

  screen(taskId: string): ScreenSnapshot | null {
    return this.entries.get(taskId)?.session.screen() ?? null;
  }

  setStartSize(size: { cols: number; rows: number }): void {
    if (size.cols === this.size.cols && size.rows === this.size.rows) return;
    this.size = { cols: size.cols, rows: size.rows };
    // Best effort: the file only helps later processes start at the same size.
    void writeStartSize(this.ctx.paths.stateDir, this.size).catch(() => undefined);
  }

  async lastScreen(taskId: string, size: { cols: number; rows: number }): Promise<ScreenSnapshot | null> {
    if (!isTaskId(taskId)) return null;
    const attempt = (await this.ctx.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1);
    return attempt ? replayLogScreen(attemptLogFile(this.ctx.paths, taskId, attempt.n), size) : null;
  }

  subscribeScreen(taskId: string, size: { cols: number; rows: number }, onChange: () => void): () => void {
    const entry = this.entries.get(taskId);
    if (entry) return entry.session.subscribeScreen(size, onChange);
    // A tmux session started by another process: follow it, then subscribe (unless already unsubscribed).
    let off: (() => void) | null = null;
    let cancelled = false;
    void this.lookup(taskId, true)
      .then((found) => {
        if (found && !cancelled) off = found.session.subscribeScreen(size, onChange);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
      off?.();
    };
  }

  resize(taskId: string, cols: number, rows: number): void {
    this.entries.get(taskId)?.session.resize(cols, rows);
  }

  async attach(taskId: string, options: AttachOptions): Promise<AttachOutcome> {
    const entry = await this.require(taskId);
    if (entry.info.state === 'exited') return { reason: 'exited', exitCode: entry.info.exitCode ?? null };
    return entry.session.attach(options);
  }

  async adopt(): Promise<void> {
    const data = await this.ctx.registry.read();
    const rows = new Map((await this.rt.list()).map((r) => [r.name, r]));
    for (const task of data.tasks) {
      const att = task.attempts.at(-1);
      if (!att?.session || this.entries.has(task.id)) continue;
      const row = rows.get(task.id);
      if (this.rt.kind === 'tmux' && row && att.session.runtime !== 'pty') {
        await this.lookup(task.id, true);
        continue;
      }
      if (att.session.state === 'exited') continue;
      // Recorded as running but no longer there: the process (or flotilla, for pty) went away.
      const pidAlive = att.session.pid !== null && att.session.runtime === 'pty' && processAlive(att.session.pid);
      if (pidAlive) continue;
      await this.record(task.id, att.n, {
        ...att.session,
        state: 'exited',
        since: new Date().toISOString(),
        exitCode: att.session.exitCode ?? null,
        message: att.session.runtime === 'pty' ? 'the flotilla process holding this session ended' : 'the session is gone',
      });
    }
  }

  async close(options: { killSessions?: boolean } = {}): Promise<void> {
    this.closed = true;
    const kill = options.killSessions || this.rt.kind === 'pty';
    if (kill) {
      await Promise.all([...this.entries.values()].filter((e) => e.info.state !== 'exited').map((e) => this.stop(e.taskId).catch(() => undefined)));
    }
    for (const e of this.entries.values()) {
      e.tracker?.onExit();
      await e.watcher?.close();
      e.session.release();
      await e.writes;
    }
    this.entries.clear();
    await this.rt.close({ killSessions: kill });
  }
}

