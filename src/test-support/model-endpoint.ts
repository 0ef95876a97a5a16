import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The shared part of the scripted model endpoints (anthropic-endpoint.ts, openai-endpoint.ts): an
 * HTTP server on 127.0.0.1 (port 0) that records every request and hands the ones the protocol
 * module claims to it. Scenarios are lists of turns, played in order, one per model request.
 */

/** One tool call the model makes in a turn. */
export interface ScriptedToolCall {
  name: string;
  input: Record<string, unknown>;
}

/** One scripted model answer: text and/or tool calls, or an HTTP error the real API would give. */
export type ScriptedTurn = (
  | { text?: string; tools?: ScriptedToolCall[]; delayMs?: number }
  | { error: 401 | 429 | 500 | 529; message?: string; delayMs?: number }
) & {
  /**
   * Played only for a request whose body (messages, system prompt) contains this text; until one
   * comes, other requests get the fallback answer.
   */
  when?: string;
};

/** A turn chosen by looking at the request (for requests whose order is not fixed). */
export type TurnPicker = (request: RecordedRequest) => ScriptedTurn | null;

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  at: number;
}

export interface EndpointHandle {
  url: string;
  port: number;
  /** Every request received, in order (including ones the endpoint answered without a turn). */
  requests: RecordedRequest[];
  /** Turns still to play. */
  remaining(): number;
  /** Appends turns to the scenario. */
  push(...turns: ScriptedTurn[]): void;
  close(): Promise<void>;
}

export interface ProtocolHandler {
  /** Handles the request when it belongs to the protocol; returns false to leave it (404). */
  handle(req: RecordedRequest, res: ServerResponse, next: () => ScriptedTurn): Promise<boolean> | boolean;
}

export interface EndpointOptions {
  /** Turns played in order, one per model request. */
  turns: ScriptedTurn[];
  /**
   * Consulted before the scenario for every model request: a turn for requests that are not part of
   * the scenario (title generation, a side query), or null to play the next scripted turn.
   */
  pick?: TurnPicker;
  /** What to answer when the scenario is over. */
  fallback?: ScriptedTurn;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startEndpoint(protocol: ProtocolHandler, options: EndpointOptions): Promise<EndpointHandle> {
  const turns = [...options.turns];
  const requests: RecordedRequest[] = [];
  const fallback: ScriptedTurn = options.fallback ?? { text: 'Done.' };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      let body: unknown = raw;
      try {
        body = raw ? JSON.parse(raw) : null;
      } catch {
        // not JSON: kept as text
      }
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, at: Date.now() };
      requests.push(recorded);
      const next = (): ScriptedTurn => {
        const picked = options.pick?.(recorded);
        if (picked) return picked;
        // Turns play in order; a turn with `when` waits for its request (others get the fallback).
        const head = turns[0];
        if (head && (head.when === undefined || raw.includes(head.when))) return turns.shift()!;
        return fallback;
      };
      const handled = await protocol.handle(recorded, res, next);
      if (!handled) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { type: 'not_found_error', message: `scripted endpoint: no route ${recorded.method} ${recorded.path}` } }));
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    remaining: () => turns.length,
    push: (...more) => void turns.push(...more),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function sse(res: ServerResponse, event: string | null, data: unknown): void {
  res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
}
