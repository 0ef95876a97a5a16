import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { newCodexContext, newGeminiContext, parseClaudeLine, parseCodexLine, parseGeminiLine } from '../agents/index.js';
import { readLinesFrom } from './line-reader.js';
import { readFileSync } from 'node:fs';
import { PRICES_DATASET, PRICES_DATASET_VERSION, datasetPrice, findPrice, normalizeModel, priceTable } from './prices.js';
import { readPrintOutput } from '../agents/index.js';
import { priceTokens } from './prices.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('prices', () => {
  it('maps dated and prefixed model names to table keys', () => {
    expect(normalizeModel('claude-sonnet-4-5-20250929')).toBe('claude-sonnet-4-5');
    expect(normalizeModel('us.anthropic.claude-opus-4-1-20250805-v1:0')).toBe('claude-opus-4-1');
    expect(normalizeModel('openai/gpt-5-mini-2025-08-07')).toBe('gpt-5-mini');
    expect(findPrice({}, 'claude-haiku-4-5-20251001')).toEqual(datasetPrice('claude-haiku-4-5'));
    expect(findPrice({}, 'claude-haiku-4-5')).toEqual({ input: 1, output: 5, cacheWrite: 1.25, cacheRead: 0.1 });
    expect(findPrice({}, 'mystery')).toBeNull();
    expect(findPrice({}, '')).toBeNull();
  });

  it('prices from the bundled @pydantic/genai-prices dataset, long-context tiers included', () => {
    // claude-opus-4-8 is in the dataset: it prices (was: missing from the hand-kept table, so unknown).
    expect(findPrice({}, 'claude-opus-4-8')).toEqual({ input: 5, output: 25, cacheWrite: 6.25, cacheRead: 0.5 });
    expect(findPrice({}, 'claude-sonnet-4-5-20250929')).toEqual({
      input: 3,
      output: 15,
      cacheWrite: 3.75,
      cacheRead: 0.3,
      above200k: { input: 6, output: 22.5, cacheWrite: 7.5, cacheRead: 0.6 },
    });
    expect(findPrice({}, 'gemini-2.5-pro')).toMatchObject({ input: 1.25, output: 10, above200k: { input: 2.5, output: 15 } });
    expect(findPrice({}, 'gpt-5.1-codex')).toMatchObject({ input: 1.25, output: 10, cacheRead: 0.125 });
    expect(findPrice({}, 'claude-opus-99-unreleased')).toBeNull();
  });

  it('names the dataset version the installed package really is', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../node_modules/@pydantic/genai-prices/package.json', import.meta.url), 'utf8')) as { version: string };
    expect(PRICES_DATASET_VERSION).toBe(pkg.version);
    expect(PRICES_DATASET).toBe(`@pydantic/genai-prices ${pkg.version}`);
  });

  it('lets config replace a dataset price and add an unknown model', () => {
    const t = priceTable({ 'gpt-5': { input: 9, output: 9 }, 'my-local-model': { input: 0, output: 0 } });
    expect(findPrice(t, 'gpt-5-2025-08-07')).toEqual({ input: 9, output: 9 });
    expect(findPrice(t, 'my-local-model')).toEqual({ input: 0, output: 0 });
    expect(findPrice(t, 'gpt-5-mini')).toMatchObject({ input: 0.25, output: 2 });
  });
});

describe('Claude session-log lines', () => {
  it('reads usage and the dedupe key; skips user and synthetic lines; flags bad JSON', () => {
    const line = JSON.stringify({ type: 'assistant', cwd: '/w', sessionId: 's', requestId: 'r', timestamp: 't', message: { id: 'm', model: 'claude-opus-4-5', usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 5, cache_creation_input_tokens: 6 } } });
    expect(parseClaudeLine(line)).toEqual({
      key: 'm:r',
      result: { source: 'claude', cwd: '/w', sessionId: 's', model: 'claude-opus-4-5', at: 't', input: 3, output: 4, cacheRead: 5, cacheWrite: 6, cacheWrite1h: 0 },
    });
    expect(parseClaudeLine('{"type":"user","message":{"content":"usage"}}').result).toBeNull();
    expect(parseClaudeLine(line.replace('claude-opus-4-5', '<synthetic>')).result).toBeNull();
    expect(parseClaudeLine(line.slice(0, 50)).result).toBe('malformed');
    expect(parseClaudeLine('{"usage": nope}').result).toBe('malformed');
  });
});

describe('Codex rollout lines', () => {
  it('takes cwd from session_meta, model from turn_context, and deltas of cumulative totals', () => {
    const ctx = newCodexContext();
    const tc = (input: number, cached: number, output: number) =>
      JSON.stringify({ type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: input, cached_input_tokens: cached, output_tokens: output } } } });
    expect(parseCodexLine(JSON.stringify({ type: 'session_meta', payload: { id: 'x', cwd: '/w' } }), ctx)).toBeNull();
    expect(parseCodexLine(JSON.stringify({ type: 'turn_context', payload: { model: 'gpt-5-codex' } }), ctx)).toBeNull();
    expect(parseCodexLine(tc(100, 40, 10), ctx)).toMatchObject({ cwd: '/w', sessionId: 'x', model: 'gpt-5-codex', input: 60, cacheRead: 40, output: 10 });
    expect(parseCodexLine(tc(100, 40, 10), ctx)).toBeNull();
    expect(parseCodexLine(tc(300, 40, 30), ctx)).toMatchObject({ input: 200, cacheRead: 0, output: 20 });
    expect(parseCodexLine(JSON.stringify({ type: 'event_msg', payload: { type: 'token_count', info: null } }), ctx)).toBeNull();
  });
});

describe('Gemini session-log lines', () => {
  it('takes the session from the first line, counts a model message by id, flags bad and impossible lines', () => {
    const ctx = newGeminiContext();
    expect(parseGeminiLine(JSON.stringify({ sessionId: 's1', projectHash: 'h', startTime: 't', kind: 'main' }), ctx)).toEqual({ result: null, key: null });
    expect(ctx).toEqual({ sessionId: 's1', projectHash: 'h' });
    expect(parseGeminiLine('{"$set":{"lastUpdated":"t"}}', ctx).result).toBeNull();
    expect(parseGeminiLine(JSON.stringify({ id: 'u1', type: 'user', content: [{ text: 'tokens' }] }), ctx).result).toBeNull();
    // Not yet given its tokens: nothing; then with them.
    expect(parseGeminiLine(JSON.stringify({ id: 'm1', type: 'gemini', content: '', model: 'gemini-2.5-pro' }), ctx).result).toBeNull();
    const line = JSON.stringify({ id: 'm1', timestamp: 't1', type: 'gemini', content: 'ok', model: 'gemini-2.5-pro', tokens: { input: 2000, output: 50, cached: 1500, thoughts: 20, tool: 10, total: 2080 } });
    expect(parseGeminiLine(line, ctx)).toEqual({
      key: 'gemini:s1:m1',
      result: { source: 'gemini', cwd: null, sessionId: 's1', model: 'gemini-2.5-pro', at: 't1', input: 510, output: 70, cacheRead: 1500, cacheWrite: 0, cacheWrite1h: 0 },
    });
    expect(parseGeminiLine(line.slice(0, 40), ctx).result).toBe('malformed');
    expect(parseGeminiLine(line.replace('"output":50', '"output":1e308'), ctx).result).toBe('absurd');
  });
});

describe('review outputs', () => {
  it('reads Claude -p JSON (reported cost and per-model usage) and codex exec --json events', () => {
    const claude = readPrintOutput(JSON.stringify({ type: 'result', session_id: 's', total_cost_usd: 0.5, modelUsage: { 'claude-opus-4-5': { inputTokens: 1, outputTokens: 2, cacheReadInputTokens: 3, cacheCreationInputTokens: 4 } } }), 'x')?.usage;
    expect(claude).toEqual({ sessionId: 's', reportedUsd: 0.5, usage: [{ model: 'claude-opus-4-5', requests: 1, input: 1, output: 2, cacheRead: 3, cacheWrite: 4, cacheWrite1h: 0 }] });
    const codex = readPrintOutput('{"type":"thread.started","thread_id":"t"}\n{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":4,"output_tokens":2}}\n', 'gpt-5')?.usage;
    expect(codex).toEqual({ sessionId: 't', reportedUsd: null, usage: [{ model: 'gpt-5', requests: 1, input: 6, output: 2, cacheRead: 4, cacheWrite: 0, cacheWrite1h: 0 }] });
    expect(readPrintOutput('plain text review', 'gpt-5')).toBeNull();
    expect(readPrintOutput('{"type":"res', 'gpt-5')).toBeNull();
  });

  it("prices a real claude -p result to the dollars Claude Code itself reported (cache reads and writes apart from input)", () => {
    const text = readFileSync(new URL('../../../test/fixtures/agents/claude-2.1.197-print.json', import.meta.url), 'utf8');
    const run = readPrintOutput(text, 'unknown')!.usage;
    expect(run.usage).toEqual([{ model: 'claude-opus-4-8[1m]', requests: 1, input: 1200, output: 80, cacheRead: 4000, cacheWrite: 300, cacheWrite1h: 0 }]);
    const price = findPrice({}, run.usage[0]!.model);
    expect(price).not.toBeNull();
    expect(priceTokens(price!, run.usage[0]!, false)).toBeCloseTo(run.reportedUsd!, 9);
  });
});

describe('readLinesFrom', () => {
  it('reads complete lines across chunk boundaries, leaves a partial last line, and notices a shrunk file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-lines-'));
    dirs.push(dir);
    const file = join(dir, 'a.jsonl');
    const long = 'é'.repeat(700_000); // 1.4 MB of two-byte characters: spans chunks
    writeFileSync(file, `one\n${long}\nthree`);
    const seen: string[] = [];
    const r1 = await readLinesFrom(file, 0, (l) => seen.push(l));
    expect(seen).toEqual(['one', long]);
    expect(r1.offset).toBe(4 + Buffer.byteLength(long) + 1);
    appendFileSync(file, ' more\nfour\n');
    const r2 = await readLinesFrom(file, r1.offset, (l) => seen.push(l));
    expect(seen.slice(2)).toEqual(['three more', 'four']);
    expect(r2.offset).toBe(r2.size);
    writeFileSync(file, 'x\n');
    expect((await readLinesFrom(file, r2.offset, () => {})).shrunk).toBe(true);
    expect((await readLinesFrom(join(dir, 'missing'), 0, () => {})).missing).toBe(true);
  });
});

describe('fleetCostSummary', () => {
  it('sums task.cost from the store and divides completed PRs', async () => {
    const { fleetCostSummary, formatUsd } = await import('./format.js');
    const mk = (state: string, usd: number | null, tokens: number) =>
      ({ state, pr: null, cost: { usd, usdKnown: usd ?? 0.5, tokens, byAttempt: [] } }) as never;
    expect(fleetCostSummary([mk('ready', 1, 10), mk('ready', 2, 20), mk('running', 4, 5), { state: 'new', pr: null, cost: null } as never])).toEqual({
      usd: 7,
      usdKnown: 7,
      tokens: 35,
      perCompletedPr: { prs: 2, usd: 1.5 },
    });
    expect(fleetCostSummary([mk('ready', null, 1)])).toMatchObject({ usd: null, usdKnown: 0.5, perCompletedPr: { prs: 1, usd: null } });
    expect([formatUsd(null), formatUsd(null, 1.2), formatUsd(0.0042), formatUsd(12.345)]).toEqual(['unknown', '≥$1.20 (unknown)', '$0.0042', '$12.35']);
  });
});
