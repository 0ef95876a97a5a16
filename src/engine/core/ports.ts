import type { FleetNotification } from './events.js';
import type { RunResult, Runner } from './runner.js';
import type { RegistryData, Task } from './task-schema.js';

/** One entry of `git worktree list --porcelain -z` (parsed by git/parse-worktree-list.ts). */
export interface WorktreeEntry {
  path: string;
  head: string | null;
  branch: string | null;
  bare: boolean;
  detached: boolean;
  prunable: boolean;
}

/** The git client every capability is handed (git/git-client.ts implements it). */
export interface GitPort {
  readonly runner: Runner;
  /** Runs git and returns the raw result (never throws on a non-zero exit). */
  raw(cwd: string, args: readonly string[], options?: { timeoutMs?: number }): Promise<RunResult>;
  /** Runs git; throws a CommandError unless it exits 0. Returns stdout. */
  run(cwd: string, args: readonly string[], options?: { timeoutMs?: number }): Promise<string>;
  ok(cwd: string, args: readonly string[]): Promise<boolean>;
  currentBranch(cwd: string): Promise<string | null>;
  resolveCommit(cwd: string, ref: string): Promise<string | null>;
  branchExists(cwd: string, branch: string): Promise<boolean>;
  worktrees(cwd: string): Promise<WorktreeEntry[]>;
}

/** The task registry every capability is handed (tasks/registry.ts implements it). */
export interface RegistryPort {
  readonly file: string;
  readonly lockFile: string;
  read(): Promise<RegistryData>;
  /** The task with this id; throws TaskNotFoundError when there is none. */
  require(id: string): Promise<Task>;
  /** Applies `change` to a fresh copy under the lock and writes the result; nothing is written if it throws. */
  update<T>(change: (data: RegistryData) => T | Promise<T>): Promise<T>;
  /** Changes one task under the lock; throws TaskNotFoundError if the task does not exist. */
  updateTask<T>(id: string, change: (task: Task, data: RegistryData) => T | Promise<T>): Promise<T>;
}

/** Pushes a notification to the fleet (store + event bus); createFleet builds the one instance. */
export interface Notifier {
  push(notification: Omit<FleetNotification, 'id' | 'at'>): FleetNotification;
}
