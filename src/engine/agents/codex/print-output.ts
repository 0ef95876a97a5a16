import type { PrintOutput } from '../print-output.js';
import { isRecord, parseJson, printCount as count } from '../print-output.js';
import type { RunUsage } from '../usage-types.js';

/**
 * Codex's print output, `codex exec --json`: one event per line (recorded from 0.171.0:
 * test/fixtures/agents/codex-0.171.0-exec.jsonl): `thread.started` (the session id),
 * `item.completed` with an `agent_message` item (an answer), `turn.completed` with the turn's
 * usage. Older releases printed `{ id, msg: { type: "agent_message" | "task_complete" | "token_count" } }`.
 *
 * Usage, the one reading (OpenAI's accounting): `input_tokens` INCLUDES `cached_input_tokens`, so
 * uncached input is their difference; `output_tokens` include the reasoning tokens. Each
 * `turn.completed` is one turn's usage and they are summed; the older `token_count` events carry
 * cumulative totals, so the last one counts.
 */
export function parseCodexPrintOutput(text: string, model: string): PrintOutput | null {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const events = lines.map(parseJson).filter(isRecord);
  if (events.length === 0 || events.length < lines.length / 2) return null;
  const answers: string[] = [];
  let recognised = false;
  let sessionId: string | null = null;
  const sum = { model, requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 };
  let lastTotal: Record<string, unknown> | null = null;
  for (const e of events) {
    const item = isRecord(e.item) ? e.item : null;
    const msg = isRecord(e.msg) ? e.msg : null;
    if ((typeof e.type === 'string' && /^(thread|turn|item)\./.test(e.type)) || msg) recognised = true;
    if (e.type === 'thread.started' && typeof e.thread_id === 'string') sessionId = e.thread_id;
    if (item && (item.type === 'agent_message' || item.item_type === 'assistant_message') && typeof item.text === 'string') answers.push(item.text);
    if (msg?.type === 'agent_message' && typeof msg.message === 'string') answers.push(msg.message);
    if (msg?.type === 'task_complete' && typeof msg.last_agent_message === 'string') answers.push(msg.last_agent_message);
    if (e.type === 'turn.completed' && isRecord(e.usage)) {
      const input = count(e.usage.input_tokens);
      const cached = Math.min(count(e.usage.cached_input_tokens), input);
      sum.requests += 1;
      sum.input += input - cached;
      sum.cacheRead += cached;
      sum.output += count(e.usage.output_tokens);
    }
    if (isRecord(msg?.info) && isRecord(msg.info.total_token_usage)) lastTotal = msg.info.total_token_usage;
  }
  if (!recognised) return null;
  if (sum.requests === 0 && lastTotal) {
    const input = count(lastTotal.input_tokens);
    const cached = Math.min(count(lastTotal.cached_input_tokens), input);
    Object.assign(sum, { requests: 1, input: input - cached, cacheRead: cached, output: count(lastTotal.output_tokens) });
  }
  const usage: RunUsage = { sessionId, reportedUsd: null, usage: sum.requests ? [sum] : [] };
  return { answers: answers.reverse(), isError: false, usage };
}
