import type { PassHost } from './host-types.js';
import type { TaskState } from './task-schema.js';

/** One thing the monitor changed or found this pass (printed by `check` and `watch`). */
export interface MonitorChange {
  taskId: string;
  attempt: number | null;
  what: 'state' | 'pr' | 'ci' | 'gate' | 'failure' | 'notified' | 'problem' | 'retry' | 'escalated';
  message: string;
  from?: TaskState;
  to?: TaskState;
}

/** Something only the human can act on. */
export interface HumanItem {
  taskId: string;
  why: 'ready' | 'escalated' | 'needs-input' | 'failed' | 'degraded' | 'environment' | 'paused';
  message: string;
}

export interface PassResult {
  at: string;
  durationMs: number;
  /** Tasks looked at (running, checking, ready). */
  tasks: number;
  forge: string;
  /** Why that forge ("gh is not logged in: run gh auth login"), when one was chosen this pass. */
  forgeWhy?: string;
  changes: MonitorChange[];
  needsHuman: HumanItem[];
  /** Problems of the pass itself (git failing, registry unreadable); one line each. */
  errors: string[];
  /** The conflict radar of this pass (when two or more tasks were watched). */
  radar?: { live: number; overlapping: number; conflicting: number; gitProcesses: number; durationMs: number };
  /**
   * Each configured host's answer to this pass's one probe (sessions and worktrees of its attempts),
   * and how many `git fetch` processes brought commits back from it. Absent without hosts.
   */
  hosts?: Array<PassHost & { fetches: number }>;
  /**
   * The probe's facts of each attempt on a host that links the shared node_modules there (its
   * HEAD and changed paths), for following its lockfile without an exec of its own. Absent when none.
   */
  sharedOnHosts?: Array<{ taskId: string; host: string; worktree: string; head: string | null; dirty: string[] }>;
}
