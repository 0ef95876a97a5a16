import type { CodexFileContext, GeminiFileContext, TokenCounts, UsageSource } from '../agents/index.js';

export type { CodexFileContext, LineResult, TokenCounts, UsageRecord, UsageSource } from '../agents/index.js';

/**
 * Requests summed per log file, model and tier (pricing is linear within a tier, so sums price
 * exactly). `long` = prompt above 200k tokens.
 */
export interface UsageBucket extends TokenCounts {
  file: string;
  source: UsageSource;
  cwd: string | null;
  sessionId: string | null;
  model: string;
  long: boolean;
  requests: number;
  first: string | null;
  last: string | null;
}

export interface FileState {
  source: 'claude' | 'codex' | 'gemini';
  /** Bytes consumed (always at a line end). */
  offset: number;
  /** Claude and Gemini: dedupe keys (Claude message.id:requestId, Gemini session and message id) first seen in this file. */
  keys?: string[];
  codex?: CodexFileContext;
  /** Gemini: the session's metadata (project hash, session id). */
  gemini?: GeminiFileContext;
}

/** One review run's usage, read from its JSON result. */
export interface ReviewUsage {
  runId: string;
  taskId: string;
  attempt: number | null;
  role: string;
  profile: string;
  model: string;
  outputFile: string;
  /** Agent session id of the run, so its own session log is not counted twice. */
  sessionId: string | null;
  /** Cost reported by the agent itself (Claude's total_cost_usd), else null (priced from usage). */
  reportedUsd: number | null;
  /** Usage per model. */
  usage: Array<TokenCounts & { model: string; requests: number }>;
  at: string;
}

/** `.flotilla/cost-state.json`: offsets, dedupe keys and summed usage (see docs/cost.md). */
export interface CostState {
  version: 1;
  files: Record<string, FileState>;
  buckets: UsageBucket[];
  reviews: Record<string, ReviewUsage>;
  /** Lines skipped because they were truncated or not valid JSON. */
  malformed: number;
  /** Log files with lines refused for impossible usage numbers (each once, at most 20). */
  absurdFiles?: string[];
}

export interface TokenBreakdown {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

export interface ModelCost {
  model: string;
  usd: number | null;
  tokens: number;
  requests: number;
}

/** Cost of a set of usage: dollars (null when a model had no price), tokens, per model. */
export interface UsageSummary {
  usd: number | null;
  /** Dollars of the priced part (equals usd when every model has a price). */
  usdKnown: number;
  tokens: number;
  tokenBreakdown: TokenBreakdown;
  requests: number;
  unknownModels: string[];
  byModel: ModelCost[];
}

export interface AttemptCost extends UsageSummary {
  attempt: number;
  worktree: string;
  state: string;
  /** Wall time from start to end (or now), null when never started. */
  wallMs: number | null;
  ciRounds: number;
}

export interface ReviewCost extends UsageSummary {
  runId: string;
  role: string;
  profile: string;
  model: string;
  attempt: number | null;
}

export interface TaskEffort {
  attempts: number;
  /** Wall time the task spent in the `running` state. */
  workingMs: number;
  /** Human interventions recorded (retry notes, task.interventions). */
  interventions: number;
  ciRounds: number;
}

/** `task.cost` in the registry. */
export interface TaskCost {
  usd: number | null;
  usdKnown: number;
  tokens: number;
  attempts: number;
  reviews: number;
  unknownModels: string[];
  byAttempt: AttemptCost[];
  byReview: ReviewCost[];
  effort: TaskEffort;
  at: string;
}

export interface CostReport {
  tasks: Array<TaskCost & { id: string; title: string; state: string; pr: number | null }>;
  total: { usd: number | null; usdKnown: number; tokens: number; unknownModels: string[] };
  /** Cost per completed PR (tasks that reached `ready` or whose PR merged). */
  perCompletedPr: { prs: number; usd: number | null };
  /** Usage from the logs that no task's worktree claims (tokens only). */
  unattributedTokens: number;
  malformedLines: number;
  /** Log files with usage lines refused for impossible numbers (see LineResult). */
  absurdFiles: string[];
  /** What the dollars were priced with: the dataset's name and version, and how many config overrides. */
  prices: { dataset: string; overrides: number };
  at: string;
}
