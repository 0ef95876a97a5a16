import { watch, type FSWatcher } from 'chokidar';
import { BUILTIN_PROFILES, agentAdapter } from '../agents/index.js';
import { TaskNotFoundError, errorMessage, type ProfileConfig, type SessionInfo, type SessionState } from '../core/index.js';
import { readHookEvents } from './hooks.js';
import { readLogTail } from './last-screen.js';
import { attemptLogFile, hookEventsFile } from './launch-spec.js';
import type { SessionManagerContext } from './session-context.js';
import type { RuntimeSession } from './runtime.js';
import { DEFAULT_QUIET_MS, SCREEN_CHECK_MS, StatusTracker, compilePatterns, plainText } from './status-tracker.js';

/**
 * Screen reads (a tmux capture-pane each) while agents print are shared out: together the sessions
 * this process follows read about one screen per SCREEN_CHECK_SHARE_MS, each at most every
 * SCREEN_CHECK_MS. Up to 5 sessions nothing changes; 100 agents printing at once cost 10 tmux calls
 * a second instead of up to 200, and a dialog the output stream alone does not show is found within
 * 10 s (one the stream shows, the usual case, at once; hook events at once too).
 */
export const SCREEN_CHECK_SHARE_MS = 100;

/** How often one session's screen is read while output flows, with `followed` sessions followed. */
export function screenCheckInterval(followed: number): number {
  return Math.max(SCREEN_CHECK_MS, followed * SCREEN_CHECK_SHARE_MS);
}

/** One session this process follows, with its status detection. */
export interface Entry {
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

/**
 * The status of the sessions this process follows: hook events first, then output, screen
 * patterns and the quiet timer; every change written to attempt.session and told on the bus.
 */
export class StatusWiring {
  readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ctx: SessionManagerContext,
    private readonly profileOf: (agent: string) => ProfileConfig,
  ) {}

  /** Status writes asked for in the same moment, written to the registry together. */
  private batch: Array<{ taskId: string; attempt: number; info: SessionInfo; done: () => void }> = [];
  private batchTimer: NodeJS.Immediate | null = null;

  /**
   * Writes attempt.session under the registry lock and tells the bus. Writes of one entry stay in
   * order. Writes asked for in the same turn of the event loop (100 sessions adopted at once) go
   * into one registry write: one lock, one read, one file written, one refresh of the view.
   */
  record(taskId: string, attempt: number, info: SessionInfo, entry?: Entry): Promise<void> {
    const write = () =>
      new Promise<void>((done) => {
        this.batch.push({ taskId, attempt, info, done });
        this.batchTimer ??= setImmediate(() => void this.writeBatch());
      });
    if (!entry) return write();
    entry.writes = entry.writes.then(write);
    return entry.writes;
  }

  private async writeBatch(): Promise<void> {
    const batch = this.batch;
    this.batch = [];
    this.batchTimer = null;
    const missing = new Set<(typeof batch)[number]>();
    let failure: unknown = null;
    try {
      await this.ctx.registry.update((data) => {
        for (const b of batch) {
          const task = data.tasks.find((t) => t.id === b.taskId);
          if (!task) {
            missing.add(b);
            continue;
          }
          const a = task.attempts.find((x) => x.n === b.attempt);
          if (!a) continue;
          a.session = b.info;
          if (b.info.state === 'exited' && !a.endedAt) a.endedAt = b.info.since;
          task.updatedAt = b.info.since;
        }
      });
    } catch (err) {
      failure = err;
    }
    for (const b of batch) {
      const problem = failure ? errorMessage(failure) : missing.has(b) ? new TaskNotFoundError(b.taskId).message : null;
      if (problem) this.ctx.events.emit({ type: 'error', message: `task ${b.taskId}: cannot record session status: ${problem}` });
      this.ctx.events.emit({ type: 'session.status', taskId: b.taskId, attempt: b.attempt, session: b.info });
      b.done();
    }
  }

  setState(entry: Entry, state: SessionState, extra: Partial<SessionInfo> = {}): void {
    if (entry.info.state === 'exited') return;
    // `since` is when the state began: a new message in the same state (a retry count) keeps it.
    const since = state === entry.info.state ? entry.info.since : new Date().toISOString();
    entry.info = { ...entry.info, ...extra, state, since };
    if (state !== 'exited' && !extra.message) delete entry.info.message;
    void this.record(entry.taskId, entry.attempt, entry.info, entry);
  }

  /** Wires status detection (hooks file, output, exit) for a followed session. */
  track(
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
      screenCheckMs: () => screenCheckInterval(this.entries.size),
      readRecentOutput: () => readLogTail(attemptLogFile(this.ctx.paths, taskId, attempt)),
      quietThereMs: () => session.quietThereMs?.(),
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
    // Only a CLI whose adapter has native status events writes the events file.
    if (!agentAdapter(profile.hooks)?.statusEvents) return Promise.resolve();
    entry.watcher = watch(eventsFile, { ignoreInitial: true, awaitWriteFinish: false });
    entry.watcher.on('add', () => void readHooks()).on('change', () => void readHooks());
    // Events recorded so far (all of them when adopting) count at once.
    return readHooks();
  }
}
