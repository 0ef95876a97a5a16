import type { SessionInfo, Task } from '../tasks/schema.js';
import type { JobKind } from '../config/schema.js';
import type { ResourcesSnapshot } from '../builds/types.js';
import type { CostReport } from '../cost/types.js';
import type { MergedFinding } from '../review/consensus.js';
import type { ReviewRecord } from '../review/types.js';
import type { RetryOptions, RetryResult } from '../recovery/retry.js';
import type { AttemptDiff } from '../recovery/diff.js';
import type { MonitorChange, PassResult } from '../monitor/types.js';
import type { ComposedPrompt } from '../prompt/compose.js';

export interface FleetNotification {
  id: string;
  at: string;
  kind: 'ready' | 'escalated' | 'needs-input' | 'info' | 'error';
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
  /** Memory, admission queue and recommendation; kept fresh by pollResources (builds). */
  resources?: ResourcesSnapshot | null;
}

export interface AddTaskInput {
  title: string;
  prompt?: string;
  promptFile?: string;
  id?: string;
  agent?: string;
  base?: string;
  tags?: string[];
  after?: string[];
  context?: string[];
}

/** Every command the engine takes, with its input and result. */
export interface CommandMap {
  'task.add': { input: { input: AddTaskInput }; result: Task };
  'task.remove': { input: { id: string; keepWorktrees?: boolean }; result: void };
  'fleet.refresh': { input: object; result: void };
  'notify.push': { input: { notification: Omit<FleetNotification, 'id' | 'at'> }; result: void };
  'task.start': { input: { id: string }; result: SessionInfo };
  'task.stop': { input: { id: string }; result: void };
  'task.send': { input: { id: string; text: string; enter?: boolean }; result: void };
  'cost.refresh': { input: object; result: CostReport };
  'task.review': { input: { id: string; roles?: string[] }; result: ReviewRecord };
  'review.mark': { input: { id: string; finding: string; mark: 'useful' | 'noise' }; result: MergedFinding };
  'review.dismiss': { input: { id: string; finding: string; undo?: boolean }; result: MergedFinding };
  'task.retry': { input: { id: string } & RetryOptions; result: RetryResult };
  'task.diff': { input: { id: string; a?: number; b?: number; color?: boolean }; result: AttemptDiff };
  'monitor.check': { input: object; result: PassResult };
  'task.prompt': { input: { id: string }; result: ComposedPrompt };
}

export type CommandType = keyof CommandMap;
export type FleetCommand = { [K in CommandType]: { type: K } & CommandMap[K]['input'] }[CommandType];
export type CommandOf<K extends CommandType> = { type: K } & CommandMap[K]['input'];

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
