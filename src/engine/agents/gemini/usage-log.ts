import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LineResult } from '../usage-types.js';
import { absurdTokens } from '../usage-types.js';
import { geminiTokens } from './print-output.js';

/**
 * Gemini CLI's session logs (read from 0.61's source, ChatRecordingService): one JSON-lines file
 * per session, `<gemini dir>/tmp/<project id>/chats/session-<time>-<id8>.jsonl` (a subagent's under
 * `chats/<parent session>/`). The gemini dir is `$GEMINI_CLI_HOME/.gemini`, else `~/.gemini`.
 * The first line is the session's metadata (`sessionId`, `projectHash` = sha256 of the project
 * root, the folder it ran in); then one line per message record, written again each time the
 * message changes (same `id`), `{ "$set": ... }` metadata updates and `{ "$rewindTo": id }`.
 * A model message (`type: "gemini"`) carries `model` and `tokens { input, output, cached,
 * thoughts, tool, total }` taken from the API's usageMetadata (`input` = promptTokenCount, which
 * includes `cached`). Each message id counts once, the first time it has tokens; a rewind does not
 * give back tokens already spent.
 */

export function defaultGeminiDirs(env: Record<string, string | undefined> = process.env): string[] {
  return [join(env.GEMINI_CLI_HOME || env.HOME || homedir(), '.gemini')];
}

/** The `projectHash` Gemini CLI records for a project root (its cwd, as it resolved it). */
export function geminiProjectHash(root: string): string {
  return createHash('sha256').update(root).digest('hex');
}

/** Per-file context: the session's metadata from the file's first line. */
export interface GeminiFileContext {
  sessionId: string | null;
  projectHash: string | null;
}

export function newGeminiContext(): GeminiFileContext {
  return { sessionId: null, projectHash: null };
}

/**
 * One line of a Gemini session log. Metadata lines fill `ctx`; a model message with tokens gives a
 * record (cwd left null: the caller knows the folder of the project hash) and its dedupe key.
 */
export function parseGeminiLine(line: string, ctx: GeminiFileContext): { result: LineResult; key: string | null } {
  const trimmed = line.trim();
  if (!trimmed) return { result: null, key: null };
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return { result: 'malformed', key: null };
  let rec: any;
  try {
    rec = JSON.parse(trimmed);
  } catch {
    return { result: 'malformed', key: null };
  }
  if (!rec || typeof rec !== 'object') return { result: null, key: null };
  if (typeof rec.projectHash === 'string' && typeof rec.sessionId === 'string' && !('type' in rec)) {
    ctx.projectHash = rec.projectHash;
    ctx.sessionId = rec.sessionId;
    return { result: null, key: null };
  }
  if (rec.type !== 'gemini' || !rec.tokens || typeof rec.tokens !== 'object' || typeof rec.id !== 'string') return { result: null, key: null };
  const t = rec.tokens;
  if (absurdTokens(t.input, t.output, t.cached, t.thoughts, t.tool, t.total)) return { result: 'absurd', key: null };
  const tokens = geminiTokens({ prompt: t.input, candidates: t.output, cached: t.cached, thoughts: t.thoughts, tool: t.tool });
  return {
    key: `gemini:${ctx.sessionId ?? ''}:${rec.id}`,
    result: {
      source: 'gemini',
      cwd: null,
      sessionId: ctx.sessionId,
      model: typeof rec.model === 'string' && rec.model ? rec.model : 'gemini-unknown-model',
      at: typeof rec.timestamp === 'string' ? rec.timestamp : null,
      ...tokens,
      cacheWrite: 0,
      cacheWrite1h: 0,
    },
  };
}
