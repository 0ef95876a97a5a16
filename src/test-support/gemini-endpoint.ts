import { mkdirSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { sleep, startEndpoint, type EndpointHandle, type EndpointOptions, type RecordedRequest, type ScriptedTurn } from './model-endpoint.js';

/**
 * A scripted Gemini API (generativelanguage v1beta) on 127.0.0.1 for driving the real Gemini CLI.
 * Gemini CLI 0.61 sends its requests to `GOOGLE_GEMINI_BASE_URL` with the `gemini-api-key` auth
 * (settings `security.auth.selectedType`, any `GEMINI_API_KEY`; see geminiEndpointEnv, geminiHome).
 *
 * `POST /v1beta/models/<model>:streamGenerateContent?alt=sse` plays the next turn as server-sent
 * events (`data: <GenerateContentResponse>`): a text part, then one `functionCall` part per tool
 * call, `finishReason: STOP` and `usageMetadata`. `:generateContent` (not streamed) is the CLI's
 * side queries (model routing, next-speaker check): answered from the request's JSON schema
 * without using a turn. `:countTokens` is answered too. An error turn answers with the status and
 * the body Google's API sends (`{ error: { code, message, status } }`).
 */

const ERRORS: Record<number, { status: string; message: string }> = {
  401: { status: 'UNAUTHENTICATED', message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  529: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
};

export const SCRIPTED_GEMINI_USAGE = { promptTokenCount: 2000, candidatesTokenCount: 60, cachedContentTokenCount: 500, thoughtsTokenCount: 20, totalTokenCount: 2080 };

const ROUTE = /^\/v1(?:beta|alpha)?\/models\/([^/:?]+):(streamGenerateContent|generateContent|countTokens)(\?|$)/;

/** The model and method of a Gemini API request, or null for another path. */
export function geminiRoute(req: RecordedRequest): { model: string; method: string } | null {
  const m = ROUTE.exec(req.path);
  return m ? { model: decodeURIComponent(m[1]!), method: m[2]! } : null;
}

/** A value matching a (Gemini-style, upper- or lower-case types) JSON schema: enums take their first value. */
export function valueForSchema(schema: unknown): unknown {
  const s = (schema ?? {}) as { type?: string; enum?: unknown[]; properties?: Record<string, unknown>; items?: unknown; anyOf?: unknown[] };
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (Array.isArray(s.anyOf) && s.anyOf.length) return valueForSchema(s.anyOf[0]);
  switch (String(s.type ?? 'object').toLowerCase()) {
    case 'string':
      return 'scripted';
    case 'integer':
    case 'number':
      return 10;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, valueForSchema(v)]));
  }
}

function errorBody(turn: { error: number; message?: string }): string {
  const e = ERRORS[turn.error] ?? ERRORS[500]!;
  return JSON.stringify({ error: { code: turn.error === 529 ? 503 : turn.error, message: turn.message ?? e.message, status: e.status } });
}

function candidate(turn: ScriptedTurn & { text?: string }): Record<string, unknown> {
  const parts: Array<Record<string, unknown>> = [];
  if (turn.text) parts.push({ text: turn.text });
  for (const t of ('tools' in turn && turn.tools) || []) parts.push({ functionCall: { name: t.name, args: t.input } });
  if (!parts.length) parts.push({ text: '' });
  return { content: { role: 'model', parts }, finishReason: 'STOP', index: 0 };
}

async function answerStream(res: ServerResponse, model: string, turn: ScriptedTurn): Promise<void> {
  if (turn.delayMs) await sleep(turn.delayMs);
  if ('error' in turn) {
    res.writeHead(turn.error === 529 ? 503 : turn.error, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(errorBody(turn));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(`data: ${JSON.stringify({ candidates: [candidate(turn)], usageMetadata: SCRIPTED_GEMINI_USAGE, modelVersion: model, responseId: `scripted${Date.now()}` })}\r\n\r\n`);
  res.end();
}

function answerSide(req: RecordedRequest, res: ServerResponse, model: string): void {
  const config = (req.body as { generationConfig?: { responseJsonSchema?: unknown; responseSchema?: unknown; responseMimeType?: string } } | null)?.generationConfig;
  const schema = config?.responseJsonSchema ?? config?.responseSchema;
  const text = schema ? JSON.stringify(valueForSchema(schema)) : config?.responseMimeType === 'application/json' ? '{}' : 'Scripted task';
  res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify({ candidates: [{ content: { role: 'model', parts: [{ text }] }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 }, modelVersion: model }));
}

/** The agent's own model requests (streamed; side queries left out). */
export function generateRequests(endpoint: EndpointHandle): RecordedRequest[] {
  return endpoint.requests.filter((r) => r.method === 'POST' && geminiRoute(r)?.method === 'streamGenerateContent');
}

/** Every text in a request's contents (user text, function responses as JSON), in order. */
export function contentTexts(body: unknown): string[] {
  const contents = (body as { contents?: Array<{ parts?: Array<Record<string, unknown>> }> } | null)?.contents ?? [];
  return contents.flatMap((c) => (c.parts ?? []).map((p) => (typeof p.text === 'string' ? p.text : p.functionResponse ? JSON.stringify(p.functionResponse) : '')).filter(Boolean));
}

/** Text of a request's systemInstruction. */
export function systemInstructionText(body: unknown): string {
  const parts = (body as { systemInstruction?: { parts?: Array<{ text?: string }> } } | null)?.systemInstruction?.parts ?? [];
  return parts.map((p) => p.text ?? '').join('\n');
}

/** Names of the function declarations a request offered. */
export function declaredFunctions(body: unknown): string[] {
  const tools = (body as { tools?: Array<{ functionDeclarations?: Array<{ name?: string }> }> } | null)?.tools ?? [];
  return tools.flatMap((t) => (t.functionDeclarations ?? []).map((f) => String(f.name ?? '')));
}

/** Environment that keeps Gemini CLI on the scripted endpoint, its settings and history under `home` (geminiHome). */
export function geminiEndpointEnv(url: string, home: string): Record<string, string> {
  return { GOOGLE_GEMINI_BASE_URL: url, GEMINI_API_KEY: 'scripted-gemini-key', GEMINI_CLI_HOME: home };
}

/**
 * A Gemini CLI home (`GEMINI_CLI_HOME`) as a user on API-key auth has it: `.gemini/settings.json`
 * selecting the key auth, usage statistics and update checks off, two attempts per request (its
 * default is 10, 5 s apart); `folderTrust` turns on its trust dialog (off by default in 0.61).
 */
export function geminiHome(dir: string, options: { folderTrust?: boolean } = {}): string {
  mkdirSync(join(dir, '.gemini'), { recursive: true, mode: 0o700 });
  const settings = {
    security: { auth: { selectedType: 'gemini-api-key' }, ...(options.folderTrust ? { folderTrust: { enabled: true } } : {}) },
    privacy: { usageStatisticsEnabled: false },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: 2 },
  };
  writeFileSync(join(dir, '.gemini', 'settings.json'), JSON.stringify(settings, null, 2));
  return dir;
}

export function startGeminiEndpoint(options: EndpointOptions): Promise<EndpointHandle> {
  return startEndpoint(
    {
      async handle(req, res, next) {
        const route = req.method === 'POST' ? geminiRoute(req) : null;
        if (!route) return false;
        if (route.method === 'countTokens') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ totalTokens: 1000 }));
        } else if (route.method === 'generateContent') {
          const picked = options.pick?.(req);
          if (picked && 'error' in picked) {
            res.writeHead(picked.error === 529 ? 503 : picked.error, { 'content-type': 'application/json' });
            res.end(errorBody(picked));
          } else answerSide(req, res, route.model);
        } else {
          await answerStream(res, route.model, next());
        }
        return true;
      },
    },
    options,
  );
}
