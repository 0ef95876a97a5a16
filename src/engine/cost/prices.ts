import type { ModelPriceConfig } from '../core/index.js';
import { ownValue } from '../core/index.js';

/**
 * Bundled prices in USD per million tokens. Prices taken 2025-11-20 from the vendors' public
 * pricing pages (Anthropic, OpenAI, Google). Override or add models with config `prices`
 * (same shape, keyed by model name); a configured entry replaces the bundled one whole.
 *
 * - `cacheWrite`: Claude's 5-minute cache write (1.25x input). A 1-hour cache write is priced at
 *   2x `input` of the same tier. Missing `cacheWrite`/`cacheRead` fall back to `input`.
 * - `above200k`: the tier used for a whole request whose prompt (input + cache read + cache write)
 *   is over 200,000 tokens, for models that have one (Claude Sonnet 4/4.5 long context,
 *   Gemini 2.5 Pro, Gemini 3 Pro).
 * - OpenAI: `input` is the uncached input price; `cacheRead` the cached input price. OpenAI
 *   reports reasoning tokens inside output tokens, so they are not added again.
 */
const SONNET_4: ModelPriceConfig = {
  input: 3,
  output: 15,
  cacheWrite: 3.75,
  cacheRead: 0.3,
  above200k: { input: 6, output: 22.5, cacheWrite: 7.5, cacheRead: 0.6 },
};
const OPUS_4: ModelPriceConfig = { input: 15, output: 75, cacheWrite: 18.75, cacheRead: 1.5 };
const GPT_5: ModelPriceConfig = { input: 1.25, output: 10, cacheRead: 0.125 };
const GPT_5_MINI: ModelPriceConfig = { input: 0.25, output: 2, cacheRead: 0.025 };

export const BUNDLED_PRICES_DATE = '2025-11-20';

export const BUNDLED_PRICES: Readonly<Record<string, ModelPriceConfig>> = {
  // Anthropic
  'claude-opus-4-5': { input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 },
  'claude-opus-4-1': OPUS_4,
  'claude-opus-4': OPUS_4,
  'claude-sonnet-4-5': SONNET_4,
  'claude-sonnet-4': SONNET_4,
  'claude-haiku-4-5': { input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 },
  'claude-3-7-sonnet': { input: 3, output: 15, cacheWrite: 3.75, cacheRead: 0.3 },
  'claude-3-5-haiku': { input: 0.8, output: 4, cacheWrite: 1, cacheRead: 0.08 },
  // OpenAI
  'gpt-5': GPT_5,
  'gpt-5-codex': GPT_5,
  'gpt-5.1': GPT_5,
  'gpt-5.1-codex': GPT_5,
  'gpt-5.1-codex-max': GPT_5,
  'gpt-5-mini': GPT_5_MINI,
  'gpt-5.1-codex-mini': GPT_5_MINI,
  'codex-mini-latest': { input: 1.5, output: 6, cacheRead: 0.375 },
  'gpt-5-nano': { input: 0.05, output: 0.4, cacheRead: 0.005 },
  // Google
  'gemini-3-pro-preview': {
    input: 2,
    output: 12,
    cacheRead: 0.2,
    above200k: { input: 4, output: 18, cacheRead: 0.4 },
  },
  'gemini-2.5-pro': {
    input: 1.25,
    output: 10,
    cacheRead: 0.125,
    above200k: { input: 2.5, output: 15, cacheRead: 0.25 },
  },
  'gemini-2.5-flash': { input: 0.3, output: 2.5, cacheRead: 0.03 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4, cacheRead: 0.01 },
};

/** Prompts above this many tokens use a model's `above200k` tier. */
export const LONG_CONTEXT_TOKENS = 200_000;

/**
 * The price table key a model name maps to: lower case, without a provider prefix
 * ("anthropic/", "us.anthropic."), a date or version suffix ("-20250929", "-2025-08-07",
 * "-v1:0") or "-latest" where the bare name is known.
 */
export function normalizeModel(model: string): string {
  let m = model.trim().toLowerCase();
  m = m.slice(m.lastIndexOf('/') + 1);
  m = m.replace(/^(?:[a-z]{2}\.)?(?:anthropic|openai|google)\./, '');
  m = m.replace(/-v\d+(?::\d+)?$/, '');
  m = m.replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '');
  m = m.replace(/@\d{8}$/, '');
  return m;
}

export type PriceTable = Readonly<Record<string, ModelPriceConfig>>;

/** Bundled prices with config overrides applied (a configured model replaces the bundled one). */
export function priceTable(overrides: PriceTable = {}): PriceTable {
  // Own data properties only (a configured "__proto__" is a model name, never the prototype).
  return Object.fromEntries([...Object.entries(BUNDLED_PRICES), ...Object.entries(overrides)]);
}

/** The price of `model`: an exact key first, then its normalised name; null when unknown. */
export function findPrice(table: PriceTable, model: string): ModelPriceConfig | null {
  const norm = normalizeModel(model);
  return ownValue(table, model) ?? ownValue(table, norm) ?? ownValue(table, norm.replace(/-latest$/, '')) ?? null;
}

/** Token counts of one request or of a sum of requests in the same tier. */
export interface TokenCounts {
  /** Uncached input tokens. */
  input: number;
  output: number;
  cacheRead: number;
  /** 5-minute cache writes (and writes of unknown duration). */
  cacheWrite: number;
  /** 1-hour cache writes (Claude). */
  cacheWrite1h: number;
}

/** Dollars for `tokens` at `price`; `long` selects the above-200k tier where the model has one. */
export function priceTokens(price: ModelPriceConfig, tokens: TokenCounts, long: boolean): number {
  const tier = long && price.above200k ? price.above200k : price;
  const perM =
    tokens.input * tier.input +
    tokens.output * tier.output +
    tokens.cacheRead * (tier.cacheRead ?? tier.input) +
    tokens.cacheWrite * (tier.cacheWrite ?? tier.input) +
    tokens.cacheWrite1h * tier.input * 2;
  return perM / 1_000_000;
}

/** Whether one request's prompt is in the long-context tier. */
export function isLongRequest(tokens: TokenCounts): boolean {
  return tokens.input + tokens.cacheRead + tokens.cacheWrite + tokens.cacheWrite1h > LONG_CONTEXT_TOKENS;
}

/** Rounds dollars to micro-dollars so sums print and compare exactly. */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1_000_000) / 1_000_000;
}
