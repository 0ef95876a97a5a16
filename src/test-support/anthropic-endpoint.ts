import type { ServerResponse } from 'node:http';
import { sleep, sse, startEndpoint, type EndpointHandle, type EndpointOptions, type RecordedRequest, type ScriptedTurn } from './model-endpoint.js';

/**
 * A scripted Anthropic Messages API on 127.0.0.1 for driving the real Claude Code CLI
 * (`ANTHROPIC_BASE_URL=<url>`, any `ANTHROPIC_API_KEY`). `POST /v1/messages` plays the next turn:
 * streamed as server-sent events (message_start, content_block_start/delta/stop, message_delta,
 * message_stop) when the request asks for `stream: true`, as one JSON message otherwise; an error
 * turn answers with the status and the error body the real API sends. `count_tokens` is answered
 * without using a turn.
 */

const ERROR_TYPES: Record<number, [string, string]> = {
  401: ['authentication_error', 'invalid x-api-key'],
  429: ['rate_limit_error', 'Number of request tokens has exceeded your per-minute rate limit'],
  500: ['api_error', 'Internal server error'],
  529: ['overloaded_error', 'Overloaded'],
};

export const SCRIPTED_MODEL_USAGE = { input_tokens: 1200, output_tokens: 80, cache_creation_input_tokens: 300, cache_read_input_tokens: 4000 };

let ids = 0;
const nextId = (prefix: string) => `${prefix}_scripted${String(++ids).padStart(6, '0')}`;

function model(req: RecordedRequest): string {
  const m = (req.body as { model?: unknown } | null)?.model;
  return typeof m === 'string' ? m : 'claude-scripted';
}

function contentOf(turn: ScriptedTurn & { text?: string }): Array<Record<string, unknown>> {
  const blocks: Array<Record<string, unknown>> = [];
  if ('text' in turn && turn.text) blocks.push({ type: 'text', text: turn.text });
  for (const t of ('tools' in turn && turn.tools) || []) blocks.push({ type: 'tool_use', id: nextId('toolu'), name: t.name, input: t.input });
  if (!blocks.length) blocks.push({ type: 'text', text: '' });
  return blocks;
}

async function answer(req: RecordedRequest, res: ServerResponse, turn: ScriptedTurn): Promise<void> {
  if (turn.delayMs) await sleep(turn.delayMs);
  if ('error' in turn) {
    const [type, message] = ERROR_TYPES[turn.error] ?? ['api_error', 'error'];
    const headers: Record<string, string> = { 'content-type': 'application/json', 'request-id': nextId('req') };
    if (turn.error === 429) headers['retry-after'] = '1';
    res.writeHead(turn.error, headers);
    res.end(JSON.stringify({ type: 'error', error: { type, message: turn.message ?? message } }));
    return;
  }
  const content = contentOf(turn);
  const stopReason = content.some((b) => b.type === 'tool_use') ? 'tool_use' : 'end_turn';
  const id = nextId('msg');
  const stream = (req.body as { stream?: unknown } | null)?.stream === true;
  if (!stream) {
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': nextId('req') });
    res.end(JSON.stringify({ id, type: 'message', role: 'assistant', model: model(req), content, stop_reason: stopReason, stop_sequence: null, usage: SCRIPTED_MODEL_USAGE }));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'request-id': nextId('req') });
  sse(res, 'message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model: model(req), content: [], stop_reason: null, stop_sequence: null, usage: { ...SCRIPTED_MODEL_USAGE, output_tokens: 1 } },
  });
  content.forEach((block, index) => {
    if (block.type === 'text') {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: block.text } });
    } else {
      sse(res, 'content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } });
      sse(res, 'content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(block.input) } });
    }
    sse(res, 'content_block_stop', { type: 'content_block_stop', index });
  });
  sse(res, 'message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: SCRIPTED_MODEL_USAGE.output_tokens } });
  sse(res, 'message_stop', { type: 'message_stop' });
  res.end();
}

/** Text of a Messages API `system` field (a string or a list of text blocks). */
export function systemText(body: unknown): string {
  const system = (body as { system?: unknown } | null)?.system;
  if (typeof system === 'string') return system;
  if (Array.isArray(system)) return system.map((b) => (typeof b?.text === 'string' ? b.text : '')).join('\n');
  return '';
}

/** Every text in a request's messages (user text, tool results), in order, for assertions. */
export function messageTexts(body: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      if (o.content !== undefined) walk(o.content);
    }
  };
  walk((body as { messages?: unknown } | null)?.messages);
  return out;
}

/** The agent's own model requests (POST /v1/messages with tools; side queries left out). */
export function messageRequests(endpoint: EndpointHandle): RecordedRequest[] {
  return endpoint.requests.filter((r) => r.method === 'POST' && /^\/v1\/messages(\?|$)/.test(r.path) && !isSideQuery(r));
}

/**
 * True for Claude Code's side queries (the session title, a summary): requests that offer no tools.
 * They are answered with a short text and do not use a turn of the scenario.
 */
export function isSideQuery(req: RecordedRequest): boolean {
  const tools = (req.body as { tools?: unknown } | null)?.tools;
  return !Array.isArray(tools) || tools.length === 0;
}

export function startAnthropicEndpoint(options: EndpointOptions): Promise<EndpointHandle> {
  const pick = options.pick;
  return startEndpoint(
    {
      async handle(req, res, next) {
        if (req.method === 'POST' && /^\/v1\/messages\/count_tokens/.test(req.path)) {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ input_tokens: 1000 }));
          return true;
        }
        if (req.method === 'POST' && /^\/v1\/messages(\?|$)/.test(req.path)) {
          await answer(req, res, next());
          return true;
        }
        return false;
      },
    },
    { ...options, pick: (req) => pick?.(req) ?? (isSideQuery(req) ? { text: 'Scripted task' } : null) },
  );
}
