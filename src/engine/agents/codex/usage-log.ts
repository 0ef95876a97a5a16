import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CodexFileContext, LineResult } from '../usage-types.js';
import { absurdTokens, tokenCount as num } from '../usage-types.js';

/** Codex's sessions folder: $CODEX_HOME/sessions, else ~/.codex/sessions. */
export function defaultCodexSessionsDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.CODEX_HOME || join(env.HOME || homedir(), '.codex'), 'sessions');
}

export function newCodexContext(): CodexFileContext {
  return { cwd: null, sessionId: null, model: null, total: null };
}

/**
 * One line of a Codex rollout file (`{ timestamp, type, payload }`). `session_meta` gives the cwd
 * and session id, `turn_context` the model, and `event_msg` with `payload.type: "token_count"`
 * the usage: `payload.info.total_token_usage` is cumulative, so a request is the difference from
 * the previous totals (repeated events with equal totals count nothing);
 * `last_token_usage` decides the long-context tier. `input_tokens` includes `cached_input_tokens`.
 */
export function parseCodexLine(line: string, ctx: CodexFileContext): LineResult {
  const trimmed = line.trim();
  if (!trimmed) return null;
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return 'malformed';
  const interesting =
    trimmed.includes('"token_count"') || trimmed.includes('"turn_context"') || trimmed.includes('"session_meta"');
  if (!interesting) return null;
  let rec: any;
  try {
    rec = JSON.parse(trimmed);
  } catch {
    return 'malformed';
  }
  const p = rec?.payload;
  if (!p || typeof p !== 'object') return null;
  if (rec.type === 'session_meta') {
    if (typeof p.cwd === 'string') ctx.cwd = p.cwd;
    if (typeof p.id === 'string') ctx.sessionId = p.id;
    if (typeof p.model === 'string' && !ctx.model) ctx.model = p.model;
    return null;
  }
  if (rec.type === 'turn_context') {
    if (typeof p.model === 'string') ctx.model = p.model;
    if (typeof p.cwd === 'string' && !ctx.cwd) ctx.cwd = p.cwd;
    return null;
  }
  if (rec.type !== 'event_msg' || p.type !== 'token_count' || !p.info) return null;
  const total = p.info.total_token_usage;
  const last = p.info.last_token_usage;
  const fields = (u: unknown) => (u && typeof u === 'object' ? [(u as any).input_tokens, (u as any).cached_input_tokens, (u as any).output_tokens] : []);
  if (absurdTokens(...fields(total), ...fields(last))) return 'absurd';
  let input: number;
  let cached: number;
  let output: number;
  if (total && typeof total === 'object') {
    const now = { input: num(total.input_tokens), cached: num(total.cached_input_tokens), output: num(total.output_tokens) };
    const prev = ctx.total;
    ctx.total = now;
    if (prev && now.input === prev.input && now.cached === prev.cached && now.output === prev.output) return null;
    if (prev && now.input >= prev.input && now.cached >= prev.cached && now.output >= prev.output) {
      input = now.input - prev.input;
      cached = now.cached - prev.cached;
      output = now.output - prev.output;
    } else if (prev && last) {
      input = num(last.input_tokens);
      cached = num(last.cached_input_tokens);
      output = num(last.output_tokens);
    } else {
      input = now.input;
      cached = now.cached;
      output = now.output;
    }
  } else if (last && typeof last === 'object') {
    input = num(last.input_tokens);
    cached = num(last.cached_input_tokens);
    output = num(last.output_tokens);
  } else return null;
  cached = Math.min(cached, input);
  return {
    source: 'codex',
    cwd: ctx.cwd,
    sessionId: ctx.sessionId,
    model: ctx.model ?? 'codex-unknown-model',
    at: typeof rec.timestamp === 'string' ? rec.timestamp : null,
    input: input - cached,
    output,
    cacheRead: cached,
    cacheWrite: 0,
    cacheWrite1h: 0,
  };
}
