import type { TokenCounts } from './prices.js';

/** Usage found in a non-interactive run's output. */
export interface RunUsage {
  sessionId: string | null;
  reportedUsd: number | null;
  usage: Array<TokenCounts & { model: string; requests: number }>;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : 0);

function claudeResult(obj: any, fallbackModel: string): RunUsage | null {
  if (!obj || typeof obj !== 'object' || obj.type !== 'result') return null;
  const usage: RunUsage['usage'] = [];
  const perModel = obj.modelUsage;
  if (perModel && typeof perModel === 'object' && Object.keys(perModel).length) {
    for (const [model, u] of Object.entries<any>(perModel)) {
      usage.push({
        model,
        requests: 1,
        input: num(u?.inputTokens),
        output: num(u?.outputTokens),
        cacheRead: num(u?.cacheReadInputTokens),
        cacheWrite: num(u?.cacheCreationInputTokens),
        cacheWrite1h: 0,
      });
    }
  } else if (obj.usage && typeof obj.usage === 'object') {
    const u = obj.usage;
    usage.push({
      model: fallbackModel,
      requests: 1,
      input: num(u.input_tokens),
      output: num(u.output_tokens),
      cacheRead: num(u.cache_read_input_tokens),
      cacheWrite: num(u.cache_creation_input_tokens),
      cacheWrite1h: 0,
    });
  }
  const cost = obj.total_cost_usd ?? obj.cost_usd;
  return {
    sessionId: typeof obj.session_id === 'string' ? obj.session_id : null,
    reportedUsd: typeof cost === 'number' && Number.isFinite(cost) && cost >= 0 ? cost : null,
    usage,
  };
}

/** `codex exec --json` events: `thread.started` (thread_id) and `turn.completed` (usage). */
function codexEvents(lines: string[], model: string): RunUsage | null {
  let sessionId: string | null = null;
  const total = { model, requests: 0, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 };
  let seen = false;
  for (const line of lines) {
    let ev: any;
    try {
      ev = JSON.parse(line);
    } catch {
      continue;
    }
    if (ev?.type === 'thread.started' && typeof ev.thread_id === 'string') sessionId = ev.thread_id;
    if (ev?.type === 'turn.completed' && ev.usage && typeof ev.usage === 'object') {
      seen = true;
      const cached = num(ev.usage.cached_input_tokens);
      total.requests += 1;
      total.input += Math.max(0, num(ev.usage.input_tokens) - cached);
      total.cacheRead += cached;
      total.output += num(ev.usage.output_tokens);
    }
  }
  return seen || sessionId ? { sessionId, reportedUsd: null, usage: seen ? [total] : [] } : null;
}

/**
 * Reads the usage out of a review run's output: Claude `-p --output-format json` (a result object,
 * or the array/stream of `--output-format stream-json` ending in one), or `codex exec --json`
 * events. Returns null when the text holds no usage (plain text output, or still being written).
 */
export function parseRunOutput(text: string, model: string): RunUsage | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  try {
    const whole = JSON.parse(trimmed);
    if (Array.isArray(whole)) {
      const result = [...whole].reverse().find((x) => x && x.type === 'result');
      return claudeResult(result, model);
    }
    return claudeResult(whole, model);
  } catch {
    // JSON lines
  }
  const lines = trimmed.split('\n').filter((l) => l.trim().startsWith('{'));
  for (const line of [...lines].reverse()) {
    try {
      const r = claudeResult(JSON.parse(line), model);
      if (r) return r;
    } catch {
      // keep looking
    }
  }
  return codexEvents(lines, model);
}
