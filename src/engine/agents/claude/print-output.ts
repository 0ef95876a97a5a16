import type { PrintOutput } from '../print-output.js';
import { isRecord, parseJson, printCount as count } from '../print-output.js';
import type { RunUsage } from '../usage-types.js';

/**
 * Claude Code's print output, `claude -p --output-format json`: one `result` object (recorded from
 * 2.1.197: test/fixtures/agents/claude-2.1.197-print.json), or with `--verbose` / `stream-json` an
 * array or a stream of messages ending in it. The answer is its `result` string.
 *
 * Usage, the one reading (Anthropic's accounting): `input_tokens` are uncached input only;
 * `cache_read_input_tokens` and `cache_creation_input_tokens` are counted apart, never inside
 * input; of the cache writes, `cache_creation.ephemeral_1h_input_tokens` are 1-hour writes.
 * `modelUsage` (per model, side models such as Haiku included) wins over `usage` (the main model
 * only) when it has entries; its keys may carry a context tag ("claude-opus-4-8[1m]"), which
 * pricing removes.
 */

function resultOf(v: unknown): Record<string, unknown> | null {
  const result = Array.isArray(v) ? [...v].reverse().find((m) => isRecord(m) && m.type === 'result') : v;
  return isRecord(result) && result.type === 'result' ? result : null;
}

function usageOf(result: Record<string, unknown>, fallbackModel: string): RunUsage['usage'] {
  const perModel = isRecord(result.modelUsage) ? Object.entries(result.modelUsage) : [];
  if (perModel.length) {
    return perModel.map(([model, u]) => {
      const m = isRecord(u) ? u : {};
      return {
        model,
        requests: 1,
        input: count(m.inputTokens),
        output: count(m.outputTokens),
        cacheRead: count(m.cacheReadInputTokens),
        cacheWrite: count(m.cacheCreationInputTokens),
        cacheWrite1h: 0,
      };
    });
  }
  if (!isRecord(result.usage)) return [];
  const u = result.usage;
  const written = count(u.cache_creation_input_tokens);
  const oneHour = Math.min(isRecord(u.cache_creation) ? count(u.cache_creation.ephemeral_1h_input_tokens) : 0, written);
  return [
    {
      model: fallbackModel,
      requests: 1,
      input: count(u.input_tokens),
      output: count(u.output_tokens),
      cacheRead: count(u.cache_read_input_tokens),
      cacheWrite: written - oneHour,
      cacheWrite1h: oneHour,
    },
  ];
}

/** The result object of Claude's print output (a whole JSON value, or the last result line of a stream); null when there is none. */
function findResult(text: string): Record<string, unknown> | null {
  const trimmed = text.trim();
  const whole = resultOf(parseJson(trimmed));
  if (whole) return whole;
  for (const line of trimmed.split('\n').reverse()) {
    if (!line.trim().startsWith('{')) continue;
    const r = resultOf(parseJson(line.trim()));
    if (r) return r;
  }
  return null;
}

/**
 * Reads Claude's print output; null when it holds no result object (plain text, or still being
 * written). `fallbackModel` names the usage when the output names no model.
 */
export function parseClaudePrintOutput(text: string, fallbackModel: string): (PrintOutput & { hasAnswer: boolean }) | null {
  const result = findResult(text);
  if (!result) return null;
  const cost = result.total_cost_usd ?? result.cost_usd;
  return {
    answers: typeof result.result === 'string' ? [result.result] : [],
    // A result with neither an answer nor an error flag is not the envelope (a findings object that says type "result").
    hasAnswer: 'result' in result || 'is_error' in result,
    isError: result.is_error === true,
    usage: {
      sessionId: typeof result.session_id === 'string' ? result.session_id : null,
      reportedUsd: typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : null,
      usage: usageOf(result, fallbackModel),
    },
  };
}
