// Builders for usage-log fixture lines in the agents' own formats (used by the cost tests and bench).

let n = 0;

export function claudeAssistantLine(o: {
  cwd: string;
  sessionId: string;
  model: string;
  id?: string;
  requestId?: string;
  input: number;
  output: number;
  cacheWrite?: number;
  cacheRead?: number;
  cacheWrite1h?: number;
  timestamp?: string;
  pad?: number;
}): string {
  n += 1;
  const usage: Record<string, unknown> = {
    input_tokens: o.input,
    cache_creation_input_tokens: (o.cacheWrite ?? 0) + (o.cacheWrite1h ?? 0),
    cache_read_input_tokens: o.cacheRead ?? 0,
    output_tokens: o.output,
    service_tier: 'standard',
  };
  if (o.cacheWrite1h) usage.cache_creation = { ephemeral_5m_input_tokens: o.cacheWrite ?? 0, ephemeral_1h_input_tokens: o.cacheWrite1h };
  return JSON.stringify({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd: o.cwd,
    sessionId: o.sessionId,
    version: '2.0.0',
    type: 'assistant',
    requestId: o.requestId ?? `req_${n}`,
    uuid: `uuid-${n}`,
    timestamp: o.timestamp ?? '2026-11-01T10:00:00.000Z',
    message: {
      id: o.id ?? `msg_${n}`,
      type: 'message',
      role: 'assistant',
      model: o.model,
      content: [{ type: 'text', text: 'x'.repeat(o.pad ?? 10) }],
      usage,
    },
  });
}

export function claudeUserLine(cwd: string, sessionId: string, text: string): string {
  return JSON.stringify({ type: 'user', cwd, sessionId, timestamp: '2026-11-01T09:59:00.000Z', message: { role: 'user', content: text } });
}

export function codexLines(o: {
  cwd: string;
  sessionId: string;
  model: string;
  totals: Array<{ input: number; cached: number; output: number }>;
}): string[] {
  const lines = [
    JSON.stringify({ timestamp: '2026-11-01T10:00:00Z', type: 'session_meta', payload: { id: o.sessionId, cwd: o.cwd, originator: 'codex_cli_rs', cli_version: '0.60.0' } }),
    JSON.stringify({ timestamp: '2026-11-01T10:00:01Z', type: 'turn_context', payload: { cwd: o.cwd, model: o.model, approval_policy: 'on-request' } }),
  ];
  let prev = { input: 0, cached: 0, output: 0 };
  for (const t of o.totals) {
    const last = { input_tokens: t.input - prev.input, cached_input_tokens: t.cached - prev.cached, output_tokens: t.output - prev.output, reasoning_output_tokens: 0, total_tokens: 0 };
    lines.push(JSON.stringify({ timestamp: '2026-11-01T10:00:02Z', type: 'response_item', payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] } }));
    lines.push(
      JSON.stringify({
        timestamp: '2026-11-01T10:00:03Z',
        type: 'event_msg',
        payload: {
          type: 'token_count',
          info: {
            total_token_usage: { input_tokens: t.input, cached_input_tokens: t.cached, output_tokens: t.output, reasoning_output_tokens: 0, total_tokens: t.input + t.output },
            last_token_usage: last,
            model_context_window: 272000,
          },
          rate_limits: null,
        },
      }),
    );
    prev = t;
  }
  return lines;
}
