import type { ServerResponse } from 'node:http';
import { sleep, sse, startEndpoint, type EndpointHandle, type EndpointOptions, type RecordedRequest, type ScriptedTurn } from './model-endpoint.js';

/**
 * A scripted OpenAI Responses API on 127.0.0.1 for driving the real Codex CLI through a custom
 * `model_providers` entry (`wire_api = "responses"`, see codexProviderToml). `POST /v1/responses`
 * plays the next turn as server-sent events (response.created, response.output_item.added/done,
 * response.output_text.delta, response.completed); a tool call is a `function_call` output item
 * whose `arguments` are the JSON of the call's input. Error turns answer with the real API's body.
 */

const ERRORS: Record<number, { type: string; code: string; message: string }> = {
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided: scripted.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again in 1s.' },
  500: { type: 'server_error', code: 'server_error', message: 'The server had an error while processing your request.' },
  529: { type: 'server_error', code: 'overloaded', message: 'The engine is currently overloaded, please try again later.' },
};

export const SCRIPTED_RESPONSES_USAGE = { input_tokens: 1500, input_tokens_details: { cached_tokens: 1000 }, output_tokens: 90, output_tokens_details: { reasoning_tokens: 10 }, total_tokens: 1590 };

let ids = 0;
const nextId = (prefix: string) => `${prefix}_scripted${String(++ids).padStart(6, '0')}`;

async function answer(req: RecordedRequest, res: ServerResponse, turn: ScriptedTurn): Promise<void> {
  if (turn.delayMs) await sleep(turn.delayMs);
  if ('error' in turn) {
    const e = ERRORS[turn.error] ?? ERRORS[500]!;
    res.writeHead(turn.error, { 'content-type': 'application/json', ...(turn.error === 429 ? { 'retry-after': '1' } : {}) });
    res.end(JSON.stringify({ error: { message: turn.message ?? e.message, type: e.type, param: null, code: e.code } }));
    return;
  }
  const model = String((req.body as { model?: unknown } | null)?.model ?? 'scripted');
  const id = nextId('resp');
  const output: Array<Record<string, unknown>> = [];
  if (turn.text) {
    output.push({ type: 'message', id: nextId('msg'), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text, annotations: [] }] });
  }
  for (const t of turn.tools ?? []) {
    output.push({ type: 'function_call', id: nextId('fc'), call_id: nextId('call'), name: t.name, arguments: JSON.stringify(t.input), status: 'completed' });
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = { id, object: 'response', created_at: Math.floor(Date.now() / 1000), model };
  sse(res, 'response.created', { type: 'response.created', response: { ...base, status: 'in_progress', output: [] } });
  output.forEach((item, outputIndex) => {
    sse(res, 'response.output_item.added', { type: 'response.output_item.added', output_index: outputIndex, item: { ...item, status: 'in_progress' } });
    if (item.type === 'message') {
      sse(res, 'response.output_text.delta', { type: 'response.output_text.delta', item_id: item.id, output_index: outputIndex, content_index: 0, delta: turn.text });
    }
    sse(res, 'response.output_item.done', { type: 'response.output_item.done', output_index: outputIndex, item });
  });
  sse(res, 'response.completed', { type: 'response.completed', response: { ...base, status: 'completed', output, usage: SCRIPTED_RESPONSES_USAGE } });
  res.end();
}

/** The model requests (POST /v1/responses) among the recorded ones. */
export function responsesRequests(endpoint: EndpointHandle): RecordedRequest[] {
  return endpoint.requests.filter((r) => r.method === 'POST' && /\/responses(\?|$)/.test(r.path));
}

/** Names of the tools a Responses request offered (function tools by name, others by type). */
export function offeredTools(body: unknown): string[] {
  const tools = (body as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools)) return [];
  return tools.map((t: { name?: unknown; type?: unknown }) => String(t?.name ?? t?.type ?? ''));
}

/**
 * The config.toml of a throwaway CODEX_HOME pointing Codex at the endpoint: a custom provider with
 * `wire_api = "responses"` whose key comes from the environment variable `envKey`; no update
 * check, no analytics/feedback, OpenTelemetry off.
 */
export function codexProviderToml(url: string, options: { envKey?: string; model?: string; extra?: string } = {}): string {
  const lines = [
    `model = ${JSON.stringify(options.model ?? 'gpt-5-codex')}`,
    'model_provider = "scripted"',
    'check_for_update_on_startup = false',
    '',
    '[model_providers.scripted]',
    'name = "scripted"',
    `base_url = ${JSON.stringify(`${url}/v1`)}`,
    `env_key = ${JSON.stringify(options.envKey ?? 'SCRIPTED_API_KEY')}`,
    'wire_api = "responses"',
    'request_max_retries = 0',
    'stream_max_retries = 2',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    '[otel]',
    'exporter = "none"',
  ];
  if (options.extra) lines.push('', options.extra);
  return `${lines.join('\n')}\n`;
}

export function startOpenAIEndpoint(options: EndpointOptions): Promise<EndpointHandle> {
  return startEndpoint(
    {
      async handle(req, res, next) {
        if (req.method === 'POST' && /\/responses(\?|$)/.test(req.path)) {
          await answer(req, res, next());
          return true;
        }
        return false;
      },
    },
    options,
  );
}
