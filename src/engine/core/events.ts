import type { SessionInfo, Task } from './task-schema.js';
import type { JobKind } from './config-schema.js';
import type { MonitorChange } from './monitor-types.js';

export interface FleetNotification {
  id: string;
  at: string;
  kind: 'ready' | 'escalated' | 'needs-input' | 'merge-order' | 'environment' | 'paused' | 'info' | 'error';
  taskId?: string;
  message: string;
}

/** The whole fleet state: plain serialisable data. Derived values are computed by selectors. */
export interface FleetState {
  repoRoot: string;
  tasks: Task[];
  notifications: FleetNotification[];
  /** The last error the engine hit in the background (never thrown at the UI). */
  error: string | null;
  loadedAt: string;
  /**
   * Remote hosts that stopped answering, by name: since when and ssh's reason (set after each
   * monitoring pass of this process; absent or empty while every host answers).
   */
  hostsDown?: Record<string, { since: string; message: string | null }>;
}

export type FleetEvent =
  | { type: 'task.added'; task: Task }
  | { type: 'task.removed'; id: string }
  | { type: 'registry.changed' }
  | { type: 'notification'; notification: FleetNotification }
  | { type: 'error'; message: string }
  /** A job of this process waits for admission (again whenever the reason changes). */
  | { type: 'admission.waiting'; kind: JobKind; label: string; taskId?: string; reason: string }
  | { type: 'session.status'; taskId: string; attempt: number; session: SessionInfo }
  | { type: 'monitor.change'; change: MonitorChange }
  | { type: 'monitor.pass'; result: { at: string; durationMs: number; tasks: number; forge?: string; forgeWhy?: string; changes: number; needsHuman: number; errors: number } };
