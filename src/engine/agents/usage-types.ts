/**
 * What an agent's usage reader gives the cost ledger: one record per model request, token counts
 * already split the way prices are (uncached input, output, cache reads, cache writes). Every
 * agent's readers (session logs and print output) return these, so `cost/` never reads an agent
 * format itself.
 */

/** Token counts of one request or of a sum of requests in the same tier. */
export interface TokenCounts {
  /** Uncached input tokens (never counting cache reads or writes). */
  input: number;
  /** Output tokens, reasoning ("thinking") tokens included. */
  output: number;
  cacheRead: number;
  /** 5-minute cache writes (and writes of unknown duration). */
  cacheWrite: number;
  /** 1-hour cache writes (Claude). */
  cacheWrite1h: number;
}

/** Which reader a usage record came from. */
export type UsageSource = 'claude' | 'codex' | 'gemini' | 'review';

/** One model request read from an agent's own records. */
export interface UsageRecord extends TokenCounts {
  source: UsageSource;
  /** The folder the agent ran in (attribution to an attempt worktree). */
  cwd: string | null;
  /** The agent's session id (lets a review run's own session log be told apart). */
  sessionId: string | null;
  model: string;
  /** ISO time of the request, when the record has one. */
  at: string | null;
}

/**
 * What parsing one line gave: a record, nothing of interest, a malformed line, or a line refused
 * for impossible usage numbers (non-finite, negative-free but over MAX_LINE_TOKENS: 1e308 tokens
 * would price as $Infinity).
 */
export type LineResult = UsageRecord | null | 'malformed' | 'absurd';

/** More tokens than any one usage line can hold (a context window is ~1e6). */
export const MAX_LINE_TOKENS = 1e10;

/** Whether any of `values` is a number no usage line can carry. */
export function absurdTokens(...values: unknown[]): boolean {
  return values.some((v) => typeof v === 'number' && (!Number.isFinite(v) || v > MAX_LINE_TOKENS));
}

/** A token count as usage readers take it: a finite positive number, else 0. */
export const tokenCount = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

/**
 * Usage found in a non-interactive ("print") run's output (`claude -p --output-format json`,
 * `codex exec --json`, `gemini -p -o json`), summed per model.
 */
export interface RunUsage {
  sessionId: string | null;
  /** Dollars the CLI itself reported (Claude's total_cost_usd), else null (priced from tokens). */
  reportedUsd: number | null;
  usage: Array<TokenCounts & { model: string; requests: number }>;
}

/** Per-file parser context for Codex rollouts (cwd and model come from earlier records). */
export interface CodexFileContext {
  cwd: string | null;
  sessionId: string | null;
  model: string | null;
  /** Last cumulative totals seen (token_count events repeat them). */
  total: { input: number; cached: number; output: number } | null;
}
