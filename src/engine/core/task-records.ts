import { z } from 'zod';
import { FAILURE_CLASSES } from './config-schema.js';

/**
 * The records capabilities keep on a task or attempt (review, escalation, cost, shared
 * dependencies, interventions, claims), declared here so the registry schema names every
 * persisted field and no code needs a cast to reach one. The capability that writes a record owns
 * its meaning (see docs/engine.md); its shape lives here.
 */

/**
 * An object schema whose every field is declared and typed (no index signature), while fields this
 * flotilla does not know are kept on a round trip rather than dropped. The one cast of the registry
 * schema: zod types a loose object with an index signature, which would let any field through.
 */
export function record<S extends z.ZodRawShape>(shape: S): z.ZodObject<S> {
  return z.looseObject(shape) as unknown as z.ZodObject<S>;
}

const iso = z.string().min(1);

/** A process that claimed a piece of work (a gate run, a rebase), so a second process leaves it. */
export const claimSchema = record({ pid: z.number().int(), at: iso.optional() });
export type Claim = z.infer<typeof claimSchema>;

export const INTERVENTION_KINDS = ['attach', 'send', 'retry-note', 'stop', 'other'] as const;
export const interventionSchema = record({ at: iso, kind: z.enum(INTERVENTION_KINDS) });
export type Intervention = z.infer<typeof interventionSchema>;
export type InterventionKind = Intervention['kind'];

/** attempt.retryOf: the attempt this one retries, and why it failed. */
export const retryOfSchema = record({ attempt: z.number().int().positive(), class: z.enum(FAILURE_CLASSES).nullable() });

/** attempt.sharedDeps: how the worktree's dependencies are installed (workspace/shared-deps.ts). */
export const sharedDepsSchema = record({
  mode: z.enum(['shared', 'private', 'none']),
  manager: z.enum(['npm', 'pnpm', 'yarn']).optional(),
  lockfile: z.string().optional(),
  hash: z.string().optional(),
  /** sha256 of package.json when linked; a change to it also makes the install private. */
  packageHash: z.string().optional(),
  target: z.string().optional(),
  folders: z.array(record({ path: z.string(), target: z.string() })).optional(),
  note: z.string().optional(),
  since: iso,
});
export type SharedDepsRecord = z.infer<typeof sharedDepsSchema>;

/** task.escalation: why and when recovery handed the task to the human. */
export const escalationSchema = record({ at: iso, attempt: z.number().int().nonnegative(), reason: z.string(), summary: z.string() });
export type EscalationRecord = z.infer<typeof escalationSchema>;

/** task.notes: things flotilla did on its own that the human should know. */
export const noteSchema = record({ at: iso, message: z.string() });

// ---- review (review/*) ----

export const SEVERITIES = ['critical', 'major', 'minor', 'nit'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const FINDING_MARKS = ['useful', 'noise'] as const;
export type FindingMark = (typeof FINDING_MARKS)[number];

export const reviewerUsageSchema = record({
  costUsd: z.number().optional(),
  inputTokens: z.number().optional(),
  outputTokens: z.number().optional(),
  cacheReadTokens: z.number().optional(),
  cacheWriteTokens: z.number().optional(),
  model: z.string().optional(),
});
export type ReviewerUsage = z.infer<typeof reviewerUsageSchema>;

/** What one reviewer said about a merged finding. */
export const findingSourceSchema = record({
  role: z.string(),
  profile: z.string(),
  model: z.string(),
  line: z.number(),
  severity: z.enum(SEVERITIES),
  category: z.string(),
  message: z.string(),
});
export type FindingSource = z.infer<typeof findingSourceSchema>;

export const mergedFindingSchema = record({
  id: z.string(),
  file: z.string(),
  line: z.number(),
  severity: z.enum(SEVERITIES),
  category: z.string(),
  message: z.string(),
  /** Distinct roles, in the order they reported. */
  reviewers: z.array(z.string()),
  agreed: z.boolean(),
  sources: z.array(findingSourceSchema),
  dismissed: z.boolean().optional(),
  folded: z.boolean().optional(),
  mark: z.enum(FINDING_MARKS).optional(),
  actedOn: z.boolean().optional(),
});
export type MergedFinding = z.infer<typeof mergedFindingSchema>;

/** One failed reviewer (after its retry): never a failed review run. */
export const reviewErrorSchema = record({
  role: z.string(),
  profile: z.string(),
  model: z.string(),
  message: z.string(),
  /** How many times it was tried. */
  tries: z.number(),
  /** Diff part it failed on, when the diff was reviewed in parts. */
  chunk: z.number().optional(),
});
export type ReviewError = z.infer<typeof reviewErrorSchema>;

/** One reviewer process run; `cost` prices it from `outputFile` (the raw stdout, 0600). */
export const reviewRunSchema = record({
  runId: z.string(),
  role: z.string(),
  profile: z.string(),
  model: z.string(),
  outputFile: z.string(),
  startedAt: z.string(),
  endedAt: z.string(),
  try: z.number(),
  chunk: z.number(),
  ok: z.boolean(),
  exitCode: z.number().nullable(),
  error: z.string().optional(),
  usage: reviewerUsageSchema.nullable().optional(),
});
export type ReviewRunRecord = z.infer<typeof reviewRunSchema>;

export const diffSummarySchema = record({
  base: z.string(),
  head: z.string(),
  files: z.number(),
  bytes: z.number(),
  /** Parts the diff was reviewed in (1 when it fit). */
  chunks: z.number(),
  truncated: z.boolean(),
  /** Files whose diff was not shown to the reviewers (beyond the cap); they are still in the file list. */
  omittedFiles: z.array(z.string()),
});
export type DiffSummary = z.infer<typeof diffSummarySchema>;

export const postedReviewSchema = record({
  forge: z.enum(['local', 'github']),
  ok: z.boolean(),
  at: z.string(),
  comments: z.number(),
  error: z.string().optional(),
});
export type PostedReview = z.infer<typeof postedReviewSchema>;

/** task.review: the latest review of the task's branch. */
export const reviewRecordSchema = record({
  runId: z.string(),
  runAt: z.string(),
  /** The attempt whose branch was reviewed. */
  attempt: z.number(),
  diff: diffSummarySchema,
  /** Said in the result: e.g. the diff was too large and reviewed in parts or truncated. */
  notes: z.array(z.string()),
  roles: z.array(z.string()),
  /** Roles with at least one usable answer in this review. */
  succeeded: z.array(z.string()),
  findings: z.array(mergedFindingSchema),
  errors: z.array(reviewErrorSchema),
  /** Findings present in reviewer output but invalid (dropped). */
  dropped: z.number(),
  /** Every reviewer process run for this task, oldest first (kept across reviews for cost). */
  runs: z.array(reviewRunSchema),
  posted: postedReviewSchema.optional(),
  /** Findings of the previous review whose lines the next attempt changed were counted (attempt n). */
  actedOnCheckedAttempt: z.number().optional(),
});
export type ReviewRecord = z.infer<typeof reviewRecordSchema>;

/** pr.review: what the local forge keeps of the latest review with the PR. */
export const prReviewSchema = record({
  runId: z.string(),
  at: z.string(),
  summary: z.string(),
  comments: z.array(record({ file: z.string(), line: z.number(), body: z.string() })),
});
export type PrReview = z.infer<typeof prReviewSchema>;

// ---- cost (cost/*) ----
// task.cost is a cache that cost/refresh.ts recomputes; records written before a field existed lack
// it, so every part but the total is optional and readers say "-" for what is missing.

const tokenBreakdownSchema = record({ input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number() });
const modelCostSchema = record({ model: z.string(), usd: z.number().nullable(), tokens: z.number(), requests: z.number() });
const usageSummaryShape = {
  usd: z.number().nullable(),
  /** Dollars of the priced part (equals usd when every model has a price). */
  usdKnown: z.number().optional(),
  tokens: z.number().optional(),
  tokenBreakdown: tokenBreakdownSchema.optional(),
  requests: z.number().optional(),
  unknownModels: z.array(z.string()).optional(),
  byModel: z.array(modelCostSchema).optional(),
};
export const attemptCostSchema = record({
  ...usageSummaryShape,
  attempt: z.number().optional(),
  worktree: z.string().optional(),
  state: z.string().optional(),
  /** Wall time from start to end (or now), null when never started. */
  wallMs: z.number().nullable().optional(),
  ciRounds: z.number().optional(),
});
export const reviewCostSchema = record({
  ...usageSummaryShape,
  runId: z.string().optional(),
  role: z.string().optional(),
  profile: z.string().optional(),
  model: z.string().optional(),
  attempt: z.number().nullable().optional(),
});
export const taskEffortSchema = record({
  attempts: z.number(),
  /** Wall time the task spent in the `running` state. */
  workingMs: z.number(),
  /** Human interventions recorded (retry notes, task.interventions). */
  interventions: z.number(),
  ciRounds: z.number(),
});
/** task.cost: what the task's attempts and reviews cost (cost/refresh.ts). */
export const taskCostSchema = record({
  usd: z.number().nullable(),
  usdKnown: z.number().optional(),
  tokens: z.number().optional(),
  attempts: z.number().optional(),
  reviews: z.number().optional(),
  unknownModels: z.array(z.string()).optional(),
  byAttempt: z.array(attemptCostSchema).optional(),
  byReview: z.array(reviewCostSchema).optional(),
  effort: taskEffortSchema.optional(),
  at: z.string().optional(),
});
export type TaskCostRecord = z.infer<typeof taskCostSchema>;
