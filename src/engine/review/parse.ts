import { z } from 'zod';
import { FlotillaError } from '../core/index.js';
import { jsonCandidates, tryJson } from './lenient-json.js';

/**
 * Parsing what a reviewer printed into findings. Reviewers are language models run by other
 * programs, so the output is messy: a bare JSON object, JSON in a ``` fence, JSON inside prose,
 * Claude Code's `-p --output-format json` envelope (the answer is the `result` string), Codex's
 * `exec --json` event lines (the answer is the last agent message), Gemini's plain text or its
 * `{ "response": ... }` envelope. Each finding is validated on its own: an invalid one is dropped
 * and counted, never the whole review. Output with no usable findings object is an error.
 */

// Severities and reviewer usage are persisted in task.review: their shapes live with the registry schema.
import { SEVERITIES, type ReviewerUsage, type Severity } from '../core/index.js';
export { SEVERITIES, type ReviewerUsage, type Severity };

/** Higher is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { critical: 3, major: 2, minor: 1, nit: 0 };

export type OutputFormat = 'auto' | 'claude-json' | 'codex-jsonl' | 'text';

/** One finding as one reviewer reported it. */
export interface RawFinding {
  file: string;
  /** 1-based; 0 when the reviewer named no line (a file-level finding). */
  line: number;
  severity: Severity;
  category: string;
  message: string;
}


export interface ParsedReview {
  findings: RawFinding[];
  /** Findings present but invalid (no file, no message, unknown severity...). */
  dropped: number;
  /** Which wrapper the answer came in. */
  envelope: 'none' | 'claude-json' | 'codex-jsonl' | 'gemini-json';
  usage: ReviewerUsage | null;
}

export class ReviewOutputError extends FlotillaError {
  override name = 'ReviewOutputError';
}

const SEVERITY_ALIASES: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  blocker: 'critical',
  blocking: 'critical',
  severe: 'critical',
  error: 'major',
  major: 'major',
  high: 'major',
  important: 'major',
  medium: 'minor',
  moderate: 'minor',
  minor: 'minor',
  warning: 'minor',
  low: 'nit',
  nit: 'nit',
  nitpick: 'nit',
  trivial: 'nit',
  info: 'nit',
  style: 'nit',
  suggestion: 'nit',
};

/** "42", 42, "42-48", "L42" -> 42; missing -> 0; anything else -> NaN (invalid). */
function toLine(value: unknown): number {
  if (value === undefined || value === null || value === '') return 0;
  if (typeof value === 'number') return Number.isInteger(value) && value >= 0 ? value : Number.NaN;
  if (typeof value === 'string') {
    const m = /^\s*L?(\d+)(?:\s*[-–:,]\s*L?\d+)?\s*$/i.exec(value);
    return m ? Number.parseInt(m[1]!, 10) : Number.NaN;
  }
  return Number.NaN;
}

const text = (max: number) => z.string().trim().min(1).max(max);

const findingSchema = z
  .looseObject({
    file: text(1000).optional(),
    path: text(1000).optional(),
    line: z.unknown().optional(),
    start_line: z.unknown().optional(),
    startLine: z.unknown().optional(),
    severity: z.string(),
    category: z.string().optional(),
    type: z.string().optional(),
    message: text(20_000).optional(),
    description: text(20_000).optional(),
    title: text(2000).optional(),
  })
  .transform((f, ctx) => {
    const file = (f.file ?? f.path)?.replace(/^\.\//, '').replace(/^[ab]\//, '');
    const line = toLine(f.line ?? f.start_line ?? f.startLine);
    const severity = SEVERITY_ALIASES[f.severity.trim().toLowerCase()];
    const message = f.message ?? f.description ?? f.title;
    if (!file || Number.isNaN(line) || !severity || !message) {
      ctx.addIssue({ code: 'custom', message: 'finding needs file, line, severity and message' });
      return z.NEVER;
    }
    const category = (f.category ?? f.type ?? '').trim() || 'general';
    return { file, line, severity, category, message } satisfies RawFinding;
  });

/** Validates each element of a findings array; invalid ones are counted, not fatal. */
export function validateFindings(items: readonly unknown[]): { findings: RawFinding[]; dropped: number } {
  const findings: RawFinding[] = [];
  let dropped = 0;
  for (const item of items) {
    const r = findingSchema.safeParse(item);
    if (r.success) findings.push(r.data);
    else dropped++;
  }
  return { findings, dropped };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The findings array of a value: `{findings: [...]}`, `{review: {findings}}`, or a bare array of finding-like objects. */
function findingsArray(v: unknown): unknown[] | null {
  if (isRecord(v)) {
    if (Array.isArray(v.findings)) return v.findings;
    for (const key of ['review', 'result', 'data']) {
      const inner = v[key];
      if (isRecord(inner) && Array.isArray(inner.findings)) return inner.findings;
    }
    return null;
  }
  if (Array.isArray(v) && v.length > 0 && v.every((x) => isRecord(x) && 'severity' in x && ('file' in x || 'path' in x))) {
    return v;
  }
  return null;
}

/**
 * Findings from a free-text answer: the whole text as JSON, then fenced blocks, then any JSON
 * embedded in prose. The last usable candidate wins (models often restate a draft first).
 */
export function findingsFromText(answer: string): { findings: RawFinding[]; dropped: number } | null {
  const r = findingsFromTextLoose(answer);
  if (r && r.findings.length === 0 && r.dropped > 0) {
    throw new ReviewOutputError(`all ${r.dropped} finding(s) in the output are invalid (each needs file, severity and message)`);
  }
  return r;
}

function findingsFromTextLoose(answer: string): { findings: RawFinding[]; dropped: number } | null {
  const trimmed = answer.trim();
  const whole = findingsArray(tryJson(trimmed));
  if (whole) return validateFindings(whole);
  const fences = [...trimmed.matchAll(/```[a-zA-Z0-9_-]*[ \t]*\r?\n([\s\S]*?)```/g)].map((m) => m[1]!);
  for (const block of fences.reverse()) {
    const arr = findingsArray(tryJson(block.trim())) ?? lastFindings(jsonCandidates(block));
    if (arr) return validateFindings(arr);
  }
  const arr = lastFindings(jsonCandidates(trimmed));
  return arr ? validateFindings(arr) : null;
}

function lastFindings(values: unknown[]): unknown[] | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const arr = findingsArray(values[i]);
    if (arr) return arr;
  }
  return null;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** Claude Code `-p --output-format json`: one result object (or, with --verbose, an array of messages ending in it). */
function claudeEnvelope(v: unknown): { answer: string; usage: ReviewerUsage; isError: boolean } | null {
  const result = Array.isArray(v) ? [...v].reverse().find((m) => isRecord(m) && m.type === 'result') : v;
  if (!isRecord(result) || result.type !== 'result' || !('result' in result || 'is_error' in result)) return null;
  const u = isRecord(result.usage) ? result.usage : {};
  const models = isRecord(result.modelUsage) ? Object.keys(result.modelUsage) : [];
  const usage: ReviewerUsage = {
    costUsd: num(result.total_cost_usd) ?? num(result.cost_usd),
    inputTokens: num(u.input_tokens),
    outputTokens: num(u.output_tokens),
    cacheReadTokens: num(u.cache_read_input_tokens),
    cacheWriteTokens: num(u.cache_creation_input_tokens),
    model: models[0],
  };
  return { answer: typeof result.result === 'string' ? result.result : '', usage, isError: result.is_error === true };
}

/** Codex `exec --json`: one event per line; the agent's messages, last first, and token usage. */
function codexEvents(stdout: string): { messages: string[]; usage: ReviewerUsage } | null {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const events = lines.map(tryJson).filter(isRecord);
  if (events.length === 0 || events.length < lines.length / 2) return null;
  const messages: string[] = [];
  const usage: ReviewerUsage = {};
  let recognised = false;
  for (const e of events) {
    const item = isRecord(e.item) ? e.item : null;
    const msg = isRecord(e.msg) ? e.msg : null;
    if (typeof e.type === 'string' && /^(thread|turn|item)\./.test(e.type)) recognised = true;
    if (msg) recognised = true;
    if (item && (item.type === 'agent_message' || item.item_type === 'assistant_message') && typeof item.text === 'string') {
      messages.push(item.text);
    }
    if (msg?.type === 'agent_message' && typeof msg.message === 'string') messages.push(msg.message);
    if (msg?.type === 'task_complete' && typeof msg.last_agent_message === 'string') messages.push(msg.last_agent_message);
    const u = isRecord(e.usage) ? e.usage : isRecord(msg?.info) && isRecord(msg.info.total_token_usage) ? msg.info.total_token_usage : null;
    if (u) {
      usage.inputTokens = num(u.input_tokens) ?? usage.inputTokens;
      usage.outputTokens = num(u.output_tokens) ?? usage.outputTokens;
      usage.cacheReadTokens = num(u.cached_input_tokens) ?? usage.cacheReadTokens;
    }
  }
  return recognised ? { messages: messages.reverse(), usage } : null;
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 117)}...` : one || '(empty)';
}

/** Parses one reviewer's stdout. Throws ReviewOutputError when it holds no findings object. */
export function parseReviewerOutput(stdout: string, format: OutputFormat = 'auto'): ParsedReview {
  if (!stdout.trim()) throw new ReviewOutputError('reviewer printed nothing');
  if (format === 'auto' || format === 'codex-jsonl') {
    const codex = stdout.trim().includes('\n') || format === 'codex-jsonl' ? codexEvents(stdout) : null;
    if (codex) {
      for (const m of codex.messages) {
        const r = findingsFromText(m);
        if (r) return { ...r, envelope: 'codex-jsonl', usage: codex.usage };
      }
      throw new ReviewOutputError(
        codex.messages.length ? `no findings JSON in the agent's last message: ${clip(codex.messages[0]!)}` : 'no agent message in the event stream',
      );
    }
  }
  const whole = tryJson(stdout.trim());
  if (format === 'auto' || format === 'claude-json') {
    const claude = claudeEnvelope(whole);
    if (claude) {
      if (claude.isError) throw new ReviewOutputError(`reviewer reported an error: ${clip(claude.answer)}`);
      const r = findingsFromText(claude.answer);
      if (!r) throw new ReviewOutputError(`no findings JSON in the result: ${clip(claude.answer)}`);
      return { ...r, envelope: 'claude-json', usage: claude.usage };
    }
  }
  if (isRecord(whole) && typeof whole.response === 'string' && !('findings' in whole)) {
    const r = findingsFromText(whole.response);
    if (!r) throw new ReviewOutputError(`no findings JSON in the response: ${clip(whole.response)}`);
    return { ...r, envelope: 'gemini-json', usage: null };
  }
  const r = findingsFromText(stdout);
  if (!r) throw new ReviewOutputError(`no findings JSON in the output: ${clip(stdout)}`);
  return { ...r, envelope: 'none', usage: null };
}
