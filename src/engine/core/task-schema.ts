import { z } from 'zod';
import { FAILURE_CLASSES } from './config-schema.js';
import { TASK_ID_PATTERN } from './ids.js';

/**
 * The registry schema (`.flotilla/tasks.json`). Objects are loose: fields written by a later
 * flotilla survive a round trip through an older one. Later capabilities add fields and states,
 * never rename these.
 */

export const REGISTRY_VERSION = 1;

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
] as const;
export type TaskState = (typeof TASK_STATES)[number];

export const SESSION_STATES = ['starting', 'working', 'waiting', 'idle', 'exited'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export const ATTEMPT_STATES = ['pending', 'running', 'finished', 'failed', 'stopped'] as const;
export type AttemptState = (typeof ATTEMPT_STATES)[number];

export const GATE_STATES = ['pass', 'fail', 'pending', 'skip'] as const;
export type GateState = (typeof GATE_STATES)[number];

const iso = z.string().min(1);

export const sessionSchema = z.looseObject({
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

export const failureSchema = z.looseObject({
  class: z.enum(FAILURE_CLASSES),
  evidence: z.string(),
  at: iso,
});
export type Failure = z.infer<typeof failureSchema>;

export const enrichmentSchema = z.looseObject({
  kinds: z.array(z.string()),
  text: z.string(),
  note: z.string().optional(),
  files: z.array(z.string()).optional(),
  docs: z.array(z.string()).optional(),
});
export type Enrichment = z.infer<typeof enrichmentSchema>;

export const attemptSchema = z.looseObject({
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
  /**
   * The commit of the base branch this attempt's branch forked from (set when its worktree is
   * made), moved to the new base tip by each rebase flotilla makes. A base rewritten under the
   * attempt (this commit no longer an ancestor of base) fails the `rebased` gate. Null for attempts
   * recorded before flotilla kept it.
   */
  baseCommit: z.string().regex(/^[0-9a-f]{40,64}$/).nullable().optional(),
});
export type Attempt = z.infer<typeof attemptSchema>;

export const gateResultSchema = z.looseObject({
  state: z.enum(GATE_STATES),
  detail: z.string(),
  since: iso.optional(),
});
export type GateResult = z.infer<typeof gateResultSchema>;

export const checkRunSchema = z.looseObject({
  name: z.string(),
  state: z.enum(GATE_STATES),
  detail: z.string().default(''),
  link: z.string().optional(),
  log: z.string().optional(),
  startedAt: iso.optional(),
  endedAt: iso.optional(),
});
export type CheckRun = z.infer<typeof checkRunSchema>;

export const pullRequestSchema = z.looseObject({
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
  commits: z.array(z.looseObject({ sha: z.string(), subject: z.string() })).default([]),
  diffstat: z.string().default(''),
  checks: z.array(checkRunSchema).default([]),
});
export type PullRequest = z.infer<typeof pullRequestSchema>;

export const transitionSchema = z.looseObject({
  at: iso,
  from: z.enum(TASK_STATES),
  to: z.enum(TASK_STATES),
  reason: z.string().optional(),
});
export type Transition = z.infer<typeof transitionSchema>;

export const taskSchema = z.looseObject({
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
  cost: z.looseObject({}).nullable().default(null),
  /** Notification keys already sent ("ready#2" -> when), so each goes out exactly once. */
  notified: z.record(z.string(), iso).default({}),
  history: z.array(transitionSchema).default([]),
});
export type Task = z.infer<typeof taskSchema>;

export const registrySchema = z.looseObject({
  version: z.literal(REGISTRY_VERSION),
  /** Next local PR number. */
  nextPr: z.number().int().positive().default(1),
  tasks: z.array(taskSchema),
});
export type RegistryData = z.infer<typeof registrySchema>;

export function emptyRegistry(): RegistryData {
  return { version: REGISTRY_VERSION, nextPr: 1, tasks: [] };
}
