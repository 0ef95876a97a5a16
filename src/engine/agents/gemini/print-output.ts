import type { PrintOutput } from '../print-output.js';
import { isRecord, parseJson, printCount as count } from '../print-output.js';
import type { RunUsage } from '../usage-types.js';

/**
 * Gemini CLI's print output: `gemini -p` prints the answer as text (no usage); `-o json` prints
 * `{ session_id?, response, stats: { models: { <model>: { api: { totalRequests }, tokens } } }, error? }`.
 *
 * Usage, the one reading (0.61's own stats): `tokens.prompt` INCLUDES `tokens.cached`, so uncached
 * input is their difference, plus `tokens.tool` (tool-use prompt tokens, billed as input);
 * output is `candidates` plus `thoughts` (thinking is billed as output).
 */
export function geminiTokens(t: Record<string, unknown>): { input: number; output: number; cacheRead: number } {
  const prompt = count(t.prompt ?? t.input);
  const cached = Math.min(count(t.cached), prompt);
  return { input: prompt - cached + count(t.tool), output: count(t.candidates ?? t.output) + count(t.thoughts), cacheRead: cached };
}

export function parseGeminiPrintOutput(text: string): PrintOutput | null {
  const whole = parseJson(text.trim());
  if (!isRecord(whole) || (!('response' in whole) && !('error' in whole)) || 'findings' in whole) return null;
  const models = isRecord(whole.stats) && isRecord(whole.stats.models) ? Object.entries(whole.stats.models) : [];
  const usage: RunUsage['usage'] = [];
  for (const [model, m] of models) {
    if (!isRecord(m) || !isRecord(m.tokens)) continue;
    const requests = isRecord(m.api) ? count(m.api.totalRequests) : 0;
    usage.push({ model, requests: requests || 1, ...geminiTokens(m.tokens), cacheWrite: 0, cacheWrite1h: 0 });
  }
  return {
    answers: typeof whole.response === 'string' ? [whole.response] : [],
    isError: whole.error !== undefined && whole.error !== null,
    usage: { sessionId: typeof whole.session_id === 'string' ? whole.session_id : null, reportedUsd: null, usage },
  };
}
