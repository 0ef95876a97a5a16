import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LineResult } from '../usage-types.js';
import { absurdTokens, tokenCount as num } from '../usage-types.js';

/** Claude Code's project folder name for a cwd: every non-alphanumeric character becomes '-'. */
export function claudeProjectDirName(cwd: string): string {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-');
}

/**
 * Claude Code config folders whose `projects/` may hold session logs: CLAUDE_CONFIG_DIR (a
 * comma-separated list is allowed), else ~/.claude and ~/.config/claude.
 */
export function defaultClaudeDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const configured = (env.CLAUDE_CONFIG_DIR ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (configured.length) return configured;
  const home = env.HOME || homedir();
  return [join(home, '.claude'), join(env.XDG_CONFIG_HOME || join(home, '.config'), 'claude')];
}

/**
 * One line of a Claude Code session log. Returns a usage record for an assistant message with
 * usage (and its dedupe key), null for other lines, 'malformed' for a line that is not JSON.
 */
export function parseClaudeLine(line: string): { result: LineResult; key: string | null } {
  const trimmed = line.trim();
  if (!trimmed) return { result: null, key: null };
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return { result: 'malformed', key: null };
  // Only assistant lines carry usage; skip the (often large) rest without parsing it.
  if (!trimmed.includes('"usage"')) return { result: null, key: null };
  let rec: any;
  try {
    rec = JSON.parse(trimmed);
  } catch {
    return { result: 'malformed', key: null };
  }
  if (rec?.type !== 'assistant' || typeof rec.message !== 'object' || rec.message === null) return { result: null, key: null };
  const msg = rec.message;
  const usage = msg.usage;
  const model = typeof msg.model === 'string' ? msg.model : '';
  if (!usage || typeof usage !== 'object' || !model || model === '<synthetic>') return { result: null, key: null };
  const creation = usage.cache_creation;
  if (
    absurdTokens(
      usage.input_tokens,
      usage.output_tokens,
      usage.cache_read_input_tokens,
      usage.cache_creation_input_tokens,
      creation && typeof creation === 'object' ? creation.ephemeral_1h_input_tokens : undefined,
    )
  ) {
    return { result: 'absurd', key: null };
  }
  let cacheWrite = num(usage.cache_creation_input_tokens);
  let cacheWrite1h = 0;
  if (creation && typeof creation === 'object') {
    cacheWrite1h = Math.min(num(creation.ephemeral_1h_input_tokens), cacheWrite);
    cacheWrite -= cacheWrite1h;
  }
  const key = typeof msg.id === 'string' && typeof rec.requestId === 'string' ? `${msg.id}:${rec.requestId}` : null;
  return {
    key,
    result: {
      source: 'claude',
      cwd: typeof rec.cwd === 'string' ? rec.cwd : null,
      sessionId: typeof rec.sessionId === 'string' ? rec.sessionId : null,
      model,
      at: typeof rec.timestamp === 'string' ? rec.timestamp : null,
      input: num(usage.input_tokens),
      output: num(usage.output_tokens),
      cacheRead: num(usage.cache_read_input_tokens),
      cacheWrite,
      cacheWrite1h,
    },
  };
}
