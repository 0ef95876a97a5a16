import type { FleetNotification, Task } from '../core/index.js';
import type { CostReport } from '../cost/index.js';
import type { MergedFinding } from '../review/index.js';
import type { ReviewProgress, ReviewRecord } from '../review/index.js';
import type { RetryOptions, RetryResult } from '../recovery/index.js';
import type { AttemptDiff } from '../recovery/index.js';
import type { PassResult } from '../core/index.js';
import type { ComposedPrompt } from '../prompt/index.js';
import type { StartResult, StopOutcome } from './commands/task-session.js';
import type { TrainResult } from '../train/index.js';

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
  /** Files (or folders ending in "/") the task is expected to touch; used by conflicts.hold. */
  files?: string[];
}

/** Every command the engine takes, with its input and result. */
export interface CommandMap {
  'task.add': { input: { input: AddTaskInput }; result: Task };
  'task.remove': { input: { id: string; keepWorktrees?: boolean }; result: void };
  /** Several tasks removed (one registry write); each task's outcome on its own. */
  'task.remove-many': { input: { ids: string[]; keepWorktrees?: boolean }; result: Array<{ id: string; ok: boolean; error?: string; usage?: boolean }> };
  'fleet.refresh': { input: object; result: void };
  'notify.push': { input: { notification: Omit<FleetNotification, 'id' | 'at'> }; result: void };
  /** `wait: false`: no free agent slot leaves the task queued (result `{ waiting, queued }`). */
  'task.start': { input: { id: string; wait?: boolean; host?: string }; result: StartResult };
  'task.stop': { input: { id: string }; result: void };
  /** Several tasks stopped at once (one registry write); each task's outcome on its own. */
  'task.stop-many': { input: { ids: string[]; concurrency?: number }; result: StopOutcome[] };
  'task.send': { input: { id: string; text: string; enter?: boolean }; result: void };
  'cost.refresh': { input: object; result: CostReport };
  'task.review': { input: { id: string; roles?: string[]; onProgress?: (event: ReviewProgress) => void }; result: ReviewRecord };
  'review.mark': { input: { id: string; finding: string; mark: 'useful' | 'noise' }; result: MergedFinding };
  'review.dismiss': { input: { id: string; finding: string; undo?: boolean }; result: MergedFinding };
  'task.retry': { input: { id: string } & RetryOptions; result: RetryResult };
  'task.diff': { input: { id: string; a?: number; b?: number; color?: boolean }; result: AttemptDiff };
  'monitor.check': { input: object; result: PassResult };
  'task.prompt': { input: { id: string }; result: ComposedPrompt };
  /** The merge train: ready PRs merged one at a time, in the given or the recommended order. */
  'task.merge': { input: { ids: string[] }; result: TrainResult };
}

export type CommandType = keyof CommandMap;
export type FleetCommand = { [K in CommandType]: { type: K } & CommandMap[K]['input'] }[CommandType];
export type CommandOf<K extends CommandType> = { type: K } & CommandMap[K]['input'];
