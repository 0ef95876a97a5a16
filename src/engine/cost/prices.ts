import type { ModelPriceConfig } from '../core/index.js';
import type { TokenCounts } from '../agents/index.js';

export type { TokenCounts };
import { ownValue } from '../core/index.js';

import { calcPrice } from '@pydantic/genai-prices';

/**
 * Prices come from the `@pydantic/genai-prices` dataset bundled with flotilla (its data ships
 * inside the package; nothing is fetched at run time). Config `prices` (USD per million tokens,
 * keyed by model name) overrides the dataset: a configured model replaces the dataset's entry
 * whole. A model neither knows stays unknown (its cost prints as unknown, never as zero).
 *
 * - `cacheWrite`: Claude's 5-minute cache write. A 1-hour cache write is priced at 2x `input` of
 *   the same tier. Missing `cacheWrite`/`cacheRead` fall back to `input`.
 * - `above200k`: the tier used for a whole request whose prompt (input + cache read + cache write)
 *   is over 200,000 tokens, for models that have one (the dataset's tiers starting at 200k).
 * - OpenAI: `input` is the uncached input price; `cacheRead` the cached input price. OpenAI
 *   reports reasoning tokens inside output tokens, so they are not added again.
 */
export const PRICES_DATASET_VERSION = '0.1.8';
/** How `flotilla cost` names the prices it used. */
export const PRICES_DATASET = `@pydantic/genai-prices ${PRICES_DATASET_VERSION}`;

type DatasetPrice = number | { base: number; tiers: Array<{ start: number; price: number }> } | undefined;

function baseOf(p: DatasetPrice): number | undefined {
  return typeof p === 'number' ? p : p?.base;
}

function longOf(p: DatasetPrice): number | undefined {
  if (p === undefined || typeof p === 'number') return undefined;
  return p.tiers.find((t) => t.start === LONG_CONTEXT_TOKENS)?.price;
}

const datasetCache = new Map<string, ModelPriceConfig | null>();

/** The dataset's price of `model` in flotilla's shape (per million tokens), or null when unknown. */
export function datasetPrice(model: string): ModelPriceConfig | null {
  const cached = datasetCache.get(model);
  if (cached !== undefined) return cached;
  let out: ModelPriceConfig | null = null;
  try {
    const hit = calcPrice({}, model);
    const mp = hit?.model_price as Record<string, DatasetPrice> | undefined;
    const input = baseOf(mp?.input_mtok);
    const output = baseOf(mp?.output_mtok);
    if (mp && input !== undefined && output !== undefined) {
      const price: ModelPriceConfig = { input, output };
      const cacheWrite = baseOf(mp.cache_write_mtok);
      const cacheRead = baseOf(mp.cache_read_mtok);
      if (cacheWrite !== undefined) price.cacheWrite = cacheWrite;
      if (cacheRead !== undefined) price.cacheRead = cacheRead;
      const li = longOf(mp.input_mtok);
      const lo = longOf(mp.output_mtok);
      if (li !== undefined && lo !== undefined) {
        price.above200k = { input: li, output: lo };
        const lw = longOf(mp.cache_write_mtok);
        const lr = longOf(mp.cache_read_mtok);
        if (lw !== undefined) price.above200k.cacheWrite = lw;
        if (lr !== undefined) price.above200k.cacheRead = lr;
      }
      out = price;
    }
  } catch {
    out = null;
  }
  datasetCache.set(model, out);
  return out;
}

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
  // Claude Code names the 1M-context variant "claude-opus-4-8[1m]": same model, same price.
  m = m.replace(/\[\w+\]$/, '');
  m = m.replace(/^(?:[a-z]{2}\.)?(?:anthropic|openai|google)\./, '');
  m = m.replace(/-v\d+(?::\d+)?$/, '');
  m = m.replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '');
  m = m.replace(/@\d{8}$/, '');
  return m;
}

export type PriceTable = Readonly<Record<string, ModelPriceConfig>>;

/** The config overrides, as a table consulted before the dataset. */
export function priceTable(overrides: PriceTable = {}): PriceTable {
  return { ...overrides };
}

function overrideFor(table: PriceTable, model: string): ModelPriceConfig | null {
  const norm = normalizeModel(model);
  return ownValue(table, model) ?? ownValue(table, norm) ?? ownValue(table, norm.replace(/-latest$/, '')) ?? null;
}

/**
 * The price of `model`: a config override (exact key, then its normalised name) first, then the
 * dataset (the name as logged, then normalised); null when neither knows it.
 */
export function findPrice(table: PriceTable, model: string): ModelPriceConfig | null {
  const own = overrideFor(table, model);
  if (own) return own;
  if (!model.trim()) return null;
  return datasetPrice(model) ?? datasetPrice(normalizeModel(model));
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
