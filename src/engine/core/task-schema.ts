import { z } from 'zod';
import { FAILURE_CLASSES, HOST_NAME_PATTERN } from './config-schema.js';
import { TASK_ID_PATTERN } from './ids.js';
import {
  claimSchema,
  escalationSchema,
  interventionSchema,
  noteSchema,
  prReviewSchema,
  record,
  retryOfSchema,
  reviewRecordSchema,
  sharedDepsSchema,
  taskCostSchema,
} from './task-records.js';

/**
 * The registry schema (`.flotilla/tasks.json`): every persisted field is declared here or in
 * task-records.ts, typed, with no index signature (code reaches fields without casts). Fields this
 * flotilla does not know are still kept on a round trip. A new field is added here (optional, or
 * with a default); a change of meaning is a new REGISTRY_VERSION with a step in tasks/migrate.ts.
 */

/** The registry version this flotilla writes (tasks/migrate.ts upgrades older files). */
export const REGISTRY_VERSION = 2;
export type {
  Claim,
  EscalationRecord,
  Intervention,
  InterventionKind,
  MergedFinding,
  PrReview,
  ReviewRecord,
  SharedDepsRecord,
  TaskCostRecord,
} from './task-records.js';

export const TASK_KINDS = ['worker', 'orchestrator'] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const TASK_STATES = [
  'new',
  'queued',
  'blocked',
  'running',
  'checking',
  'ready',
  'failed',
  'escalated',
  'stopped',
  /** Waiting for the agent's usage limit to reset (task.pause); resumed by the monitor. */
  'paused',
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const SESSION_STATES = ['starting', 'working', 'waiting', 'idle', 'exited'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const ATTEMPT_STATES = ['pending', 'running', 'finished', 'failed', 'stopped'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export const GATE_STATES = ['pass', 'fail', 'pending', 'skip'] as const;
export type GateState = (typeof GATE_STATES)[number];

const iso = z.string().min(1);

export const sessionSchema = record({
  state: z.enum(SESSION_STATES),
  pid: z.number().int().nullable(),
  since: iso,
  runtime: z.enum(['tmux', 'pty']).optional(),
  /** tmux session name (tmux runtime). */
  name: z.string().optional(),
  exitCode: z.number().int().nullable().optional(),
  message: z.string().optional(),
});
export type SessionInfo = z.infer<typeof sessionSchema>;

export const failureSchema = record({
  class: z.enum(FAILURE_CLASSES),
  evidence: z.string(),
  at: iso,
  /** The sibling task merged into base just before this failure (merge train). */
  sibling: z.string().optional(),
});
export type Failure = z.infer<typeof failureSchema>;

export const enrichmentSchema = record({
  kinds: z.array(z.string()),
  text: z.string(),
  note: z.string().optional(),
  files: z.array(z.string()).optional(),
  docs: z.array(z.string()).optional(),
});
export type Enrichment = z.infer<typeof enrichmentSchema>;

export const changedFilesSchema = z.looseObject({
  baseSha: z.string(),
  headSha: z.string(),
  files: z.array(z.string()),
});
export type ChangedFiles = z.infer<typeof changedFilesSchema>;

/** One sibling whose live attempt changed some of the same files (conflict radar). */
export const overlapSchema = z.looseObject({
  task: z.string(),
  files: z.array(z.string()),
  /** Files `git merge-tree` between the two heads says would conflict ([] = they merge cleanly). */
  conflicts: z.array(z.string()),
  /** The two heads (this task's, the partner's) the result was computed for. */
  heads: z.tuple([z.string(), z.string()]),
});
export type Overlap = z.infer<typeof overlapSchema>;

/** A host name as config `hosts` has it; `local` (this machine) is written as no host at all. */
const hostNameSchema = z
  .string()
  .regex(HOST_NAME_PATTERN, 'not a host name')
  .refine((name) => name !== 'local', 'this machine is written as no host');

export const attemptSchema = record({
  n: z.number().int().positive(),
  branch: z.string().min(1),
  worktree: z.string().min(1),
  /** The ref this attempt's branch was created from. */
  startPoint: z.string().min(1),
  state: z.enum(ATTEMPT_STATES),
  createdAt: iso,
  startedAt: iso.nullable().default(null),
  endedAt: iso.nullable().default(null),
  session: sessionSchema.nullable().default(null),
  failure: failureSchema.nullable().default(null),
  enrichment: enrichmentSchema.nullable().default(null),
  ciRounds: z.number().int().nonnegative().default(0),
  /** Host-wide slot of this attempt (FLOTILLA_SLOT) while it holds ports; null once released. */
  slot: z.number().int().nonnegative().nullable().optional(),
  /** Ports handed to this attempt, by variable name (config env.ports); {} once released. */
  ports: z.record(z.string(), z.number().int().positive()).optional(),
  /** Conflict radar cache: files this attempt's head changed since its merge base with base. */
  changed: changedFilesSchema.optional(),
  /**
   * The commit of the base branch this attempt's branch forked from (set when its worktree is
   * made), moved to the new base tip by each rebase flotilla makes. A base rewritten under the
   * attempt (this commit no longer an ancestor of base) fails the `rebased` gate. Null for attempts
   * recorded before flotilla kept it.
   */
  baseCommit: z.string().regex(/^[0-9a-f]{40,64}$/).nullable().optional(),
  /** The attempt this one retries (recovery). */
  retryOf: retryOfSchema.optional(),
  /** Human interventions during this attempt (attach, send, stop, a retry note), counted as effort. */
  interventions: z.array(interventionSchema).optional(),
  /** Times the stop gate sent the agent back to work in this attempt (gates/stop-gate.ts). */
  stopGateBlocks: z.number().int().nonnegative().optional(),
  /** How the worktree's dependencies are installed (workspace/shared-deps.ts). */
  sharedDeps: sharedDepsSchema.optional(),
  /** The process rebasing this attempt's branch, while it does (monitor/rebase.ts). */
  rebaseClaim: claimSchema.nullable().optional(),
  /**
   * The config host this attempt runs on (docs/hosts.md); absent: this machine. Its `worktree` is
   * then a path on that host, and its branch is fetched back into the local branch of the same name.
   */
  host: hostNameSchema.optional(),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const gateResultSchema = record({
  state: z.enum(GATE_STATES),
  detail: z.string(),
  since: iso.optional(),
  /** The branch head the result is for (command gates run once per head). */
  headSha: z.string().optional(),
  /** The process running a command gate, while it runs. */
  claim: claimSchema.nullable().optional(),
  /** A command gate's log file and its last output. */
  log: z.string().optional(),
  output: z.string().optional(),
  /** Files named by the result (the rebased gate: conflicting files). */
  files: z.array(z.string()).optional(),
});
export type GateResult = z.infer<typeof gateResultSchema>;

export const checkRunSchema = record({
  name: z.string(),
  state: z.enum(GATE_STATES),
  detail: z.string().default(''),
  link: z.string().optional(),
  log: z.string().optional(),
  /** The last output of a failed check (the failure evidence recovery hands the next attempt). */
  output: z.string().optional(),
  startedAt: iso.optional(),
  endedAt: iso.optional(),
});
export type CheckRun = z.infer<typeof checkRunSchema>;

export const pullRequestSchema = record({
  forge: z.enum(['local', 'github']),
  number: z.number().int().positive(),
  url: z.string().nullable().default(null),
  title: z.string(),
  body: z.string(),
  branch: z.string(),
  base: z.string(),
  state: z.enum(['open', 'merged', 'closed']),
  createdAt: iso,
  /** Which attempt's branch this PR shows. */
  attempt: z.number().int().positive().optional(),
  headSha: z.string().optional(),
  commits: z.array(record({ sha: z.string(), subject: z.string() })).default([]),
  diffstat: z.string().default(''),
  checks: z.array(checkRunSchema).default([]),
  /** The head the local forge last ran config.checks for, and the process running them (a claim). */
  ciHead: z.string().optional(),
  /**
   * The process running this head's checks: pid, its start time (so a recycled pid is not taken for
   * it) and the check it runs now (process group and FLOTILLA_CHECK token), so a later pass can end
   * a check whose runner died before running the checks again.
   */
  ciClaim: claimSchema
    .extend({
      startTime: z.string().nullable().optional(),
      /** `host`: the check runs on that host (attempt.host), its group is there. */
      check: z
        .object({ pgid: z.number().int().positive(), token: z.string().regex(/^[0-9a-f]{1,64}$/), host: z.string().regex(HOST_NAME_PATTERN).optional() })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  /** The latest review, as the local forge shows it with the PR. */
  review: prReviewSchema.optional(),
});
export type PullRequest = z.infer<typeof pullRequestSchema>;

export const PAUSE_REASONS = ['plan_limit', 'overloaded'] as const;

/** Why and until when a task is paused (a usage limit or an overloaded API; recovery/environment.ts). */
export const pauseSchema = record({
  /** When the monitor resumes it (the reset time the agent named, or now + recovery.pause.backoffSec). */
  until: iso,
  /** Whether `until` was read from the agent's message (false: the configured backoff). */
  named: z.boolean(),
  reason: z.enum(PAUSE_REASONS),
  /** The agent's own words (one sanitised line). */
  message: z.string(),
  attempt: z.number().int().positive(),
  since: iso,
});
export type PauseRecord = z.infer<typeof pauseSchema>;

export const transitionSchema = record({
  at: iso,
  from: z.enum(TASK_STATES),
  to: z.enum(TASK_STATES),
  reason: z.string().optional(),
});
export type Transition = z.infer<typeof transitionSchema>;

export const taskSchema = record({
  id: z.string().regex(TASK_ID_PATTERN, 'not a valid task id'),
  title: z.string(),
  prompt: z.string(),
  agent: z.string().min(1),
  base: z.string().min(1),
  tags: z.array(z.string()).default([]),
  /** Tasks this one waits for. */
  after: z.array(z.string()).default([]),
  /** Context files given to the worker, relative to the repository. */
  context: z.array(z.string()).default([]),
  state: z.enum(TASK_STATES),
  stateSince: iso,
  /** Why the task is in its state, when that needs saying (blocked, failed, escalated, stopped). */
  reason: z.string().nullable().default(null),
  createdAt: iso,
  updatedAt: iso,
  attempts: z.array(attemptSchema).default([]),
  gates: z.record(z.string(), gateResultSchema).default({}),
  pr: pullRequestSchema.nullable().default(null),
  /** What the task cost (cost/refresh.ts): a cache, recomputed; one that does not fit is dropped. */
  cost: taskCostSchema.nullable().default(null).catch(null),
  /** Notification keys already sent ("ready#2" -> when), so each goes out exactly once. */
  notified: z.record(z.string(), iso).default({}),
  history: z.array(transitionSchema).default([]),
  /** Files the task is expected to touch (`add --files`), for conflicts.hold. */
  files: z.array(z.string()).optional(),
  /** Conflict radar: live siblings on the same base whose changes overlap this task's. */
  overlaps: z.array(overlapSchema).optional(),
  /** "orchestrator" for the coordinator task that runs in the main checkout; workers say "worker" (or nothing, in code-built records). */
  kind: z.enum(TASK_KINDS).optional(),
  /** The latest review (review/run.ts). */
  review: reviewRecordSchema.optional(),
  /** Why and when recovery escalated the task to the human. */
  escalation: escalationSchema.optional(),
  /** Lessons already recorded per attempt ("<n>" -> the memory line), so each is learned once. */
  learned: z.record(z.string(), z.string()).optional(),
  /** Interventions recorded on the task itself (older files: a count). */
  interventions: z.union([z.number().nonnegative(), z.array(interventionSchema)]).optional(),
  /** Set while the task is `paused` (and kept after, until the next pause, for the record). */
  pause: pauseSchema.nullable().optional(),
  /** Things flotilla did on its own that the human should know (a private install, ...). */
  notes: z.array(noteSchema).optional(),
  /** The host this task is pinned to (`start --host`): its attempts run there. Absent: placed. */
  host: hostNameSchema.optional(),
});
export type Task = z.infer<typeof taskSchema>;

export const registrySchema = record({
  version: z.literal(REGISTRY_VERSION),
  /** Next local PR number. */
  nextPr: z.number().int().positive().default(1),
  tasks: z.array(taskSchema),
});
export type RegistryData = z.infer<typeof registrySchema>;

export function emptyRegistry(): RegistryData {
  return { version: REGISTRY_VERSION, nextPr: 1, tasks: [] };
}
