import { createStore } from 'zustand/vanilla';
import type { Admission, ResourcesSnapshot } from '../../engine/index.js';
import { configSchema, type FlotillaConfig } from '../../engine/index.js';
import type { FleetState } from '../../engine/index.js';
import type { AttachOptions, AttachOutcome, ScreenSnapshot, SessionManager } from '../../engine/index.js';
import { attemptSchema, taskSchema, type Attempt, type SessionInfo, type SessionState, type Task } from '../../engine/index.js';
import type { UiFleet } from '../types.js';

/** Hand-built fixtures for the fleet view's tests: tasks, a fleet store, fake sessions and admission. */

export const T0 = '2026-01-01T00:00:00.000Z';

export function testConfig(input: Record<string, unknown> = {}): FlotillaConfig {
  return configSchema.parse(input);
}

export function makeAttempt(n: number, session: Partial<SessionInfo> & { state: SessionState } | null = null): Attempt {
  return attemptSchema.parse({
    n,
    branch: `flotilla/t-a${n}`,
    worktree: `/tmp/wt/t-a${n}`,
    startPoint: 'main',
    state: session && session.state !== 'exited' ? 'running' : 'pending',
    createdAt: T0,
    session: session ? { pid: 100 + n, since: T0, runtime: 'tmux', ...session } : null,
  });
}

export function makeTask(fields: Partial<Task> & { id: string }): Task {
  return taskSchema.parse({
    title: `Task ${fields.id}`,
    prompt: 'do it',
    agent: 'claude',
    base: 'main',
    state: 'new',
    stateSince: T0,
    createdAt: T0,
    updatedAt: T0,
    ...fields,
  });
}

export function screenOf(lines: string[], cursor: ScreenSnapshot['cursor'] = { x: 0, y: 0, visible: false }): ScreenSnapshot {
  return { cols: 80, rows: lines.length, lines, cursor };
}

/** A SessionManager that serves fixed screens and records what the view asked of it. */
export class FakeSessions implements SessionManager {
  readonly screens = new Map<string, ScreenSnapshot>();
  readonly subscribed: Array<{ taskId: string; cols: number; rows: number }> = [];
  readonly unsubscribed: string[] = [];
  readonly resized: Array<{ taskId: string; cols: number; rows: number }> = [];
  readonly attached: Array<{ taskId: string; options: AttachOptions }> = [];
  readonly listeners = new Map<string, () => void>();
  attachOutcome: AttachOutcome = { reason: 'detached' };

  constructor(readonly runtime: 'tmux' | 'pty' = 'tmux') {}

  /** Changes a screen and tells its subscriber, as the runtime does on output. */
  push(taskId: string, screen: ScreenSnapshot): void {
    this.screens.set(taskId, screen);
    this.listeners.get(taskId)?.();
  }

  async start(): Promise<SessionInfo> {
    throw new Error('not in this fake');
  }
  async stop(): Promise<void> {}
  async send(): Promise<void> {}
  async capture(taskId: string): Promise<string> {
    return (this.screens.get(taskId)?.lines ?? []).join('\n');
  }
  async isAlive(taskId: string): Promise<boolean> {
    return this.screens.has(taskId);
  }
  status(): SessionState | null {
    return null;
  }
  screen(taskId: string): ScreenSnapshot | null {
    return this.screens.get(taskId) ?? null;
  }
  /** Screens left behind by sessions that are gone, by task. */
  readonly lastScreens = new Map<string, ScreenSnapshot>();
  readonly lastScreenAsked: Array<{ taskId: string; cols: number; rows: number }> = [];
  async lastScreen(taskId: string, size: { cols: number; rows: number }): Promise<ScreenSnapshot | null> {
    this.lastScreenAsked.push({ taskId, ...size });
    return this.lastScreens.get(taskId) ?? null;
  }
  subscribeScreen(taskId: string, size: { cols: number; rows: number }, onChange: () => void): () => void {
    this.subscribed.push({ taskId, ...size });
    this.listeners.set(taskId, onChange);
    return () => {
      this.unsubscribed.push(taskId);
      this.listeners.delete(taskId);
    };
  }
  resize(taskId: string, cols: number, rows: number): void {
    this.resized.push({ taskId, cols, rows });
  }
  readonly startSizes: Array<{ cols: number; rows: number }> = [];
  setStartSize(size: { cols: number; rows: number }): void {
    this.startSizes.push(size);
  }
  async attach(taskId: string, options: AttachOptions): Promise<AttachOutcome> {
    this.attached.push({ taskId, options });
    return this.attachOutcome;
  }
  async adopt(): Promise<void> {}
  async close(): Promise<void> {}
}

export function fakeAdmission(snapshot: ResourcesSnapshot): Admission & { calls: number } {
  const admission = {
    calls: 0,
    async acquire(): Promise<never> {
      throw new Error('not in this fake');
    },
    async snapshot() {
      admission.calls += 1;
      return snapshot;
    },
  };
  return admission;
}

export interface FakeFleet extends UiFleet {
  dispatched: Array<{ type: string } & Record<string, unknown>>;
}

/**
 * A fleet with a real zustand store holding `tasks`; `handlers` are the commands it supports
 * (others are "not available yet"), each recorded in `dispatched`.
 */
export function fakeFleet(options: {
  tasks?: Task[];
  config?: FlotillaConfig;
  sessions?: SessionManager;
  admission?: Admission;
  handlers?: Record<string, (command: Record<string, unknown>) => unknown>;
}): FakeFleet {
  const store = createStore<FleetState>()(() => ({
    repoRoot: '/repo',
    tasks: options.tasks ?? [],
    notifications: [],
    error: null,
    loadedAt: T0,
  }));
  const handlers = options.handlers ?? {};
  const fleet: FakeFleet = {
    store,
    config: options.config ?? testConfig(),
    sessions: options.sessions,
    admission: options.admission,
    dispatched: [],
    supports: (type) => Object.hasOwn(handlers, type),
    async dispatch(command: { type: string } & Record<string, unknown>) {
      fleet.dispatched.push(command);
      const handler = handlers[command.type];
      if (!handler) throw new TypeError(`handlers[command.type] is not a function`);
      return handler(command);
    },
  };
  return fleet;
}

/** Waits until `check` stops throwing (or returns true), up to `timeoutMs`. */
export async function waitFor(check: () => unknown, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (check() !== false) return;
    } catch (err) {
      if (Date.now() > end) throw err;
    }
    if (Date.now() > end) throw new Error('waitFor: condition never held');
    await new Promise((r) => setTimeout(r, 10));
  }
}
