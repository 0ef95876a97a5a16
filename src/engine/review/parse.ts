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
 *
 * The envelope names the final answer (Claude's `result`, Codex's last agent message). Inside that
 * answer, when it is not one findings object as a whole, every findings object in it counts and
 * their findings are united: a reviewer that quotes `{"findings": []}` (or an example, or a draft)
 * next to a real finding never loses the finding. A finding is never dropped for its length: long
 * text is cut (MAX_MESSAGE) for display and kept; a missing or odd line becomes 0 (file-level).
 */

// Severities and reviewer usage are persisted in task.review: their shapes live with the registry schema.
import { SEVERITIES, type ReviewerUsage, type Severity } from '../core/index.js';
export { SEVERITIES, type ReviewerUsage, type Severity };

/** Longest finding message kept (the rest is cut with a marker, never the finding dropped). */
export const MAX_MESSAGE = 4000;
const MAX_FIELD = 500;

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

// A string field of any length: trimmed, cut at `max` with a marker (a long field never drops the finding).
const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .transform((v) => (v.length > max ? `${v.slice(0, max)} [… cut at ${max} characters]` : v));

const findingSchema = z
  .looseObject({
    file: text(MAX_FIELD).optional(),
    path: text(MAX_FIELD).optional(),
    line: z.unknown().optional(),
    start_line: z.unknown().optional(),
    startLine: z.unknown().optional(),
    severity: z.string(),
    category: z.string().optional(),
    type: z.string().optional(),
    message: text(MAX_MESSAGE).optional(),
    description: text(MAX_MESSAGE).optional(),
    title: text(MAX_MESSAGE).optional(),
  })
  .transform((f, ctx) => {
    const file = (f.file ?? f.path)?.replace(/^\.\//, '').replace(/^[ab]\//, '');
    const line = toLine(f.line ?? f.start_line ?? f.startLine);
    const severity = SEVERITY_ALIASES[f.severity.trim().toLowerCase()];
    const message = f.message ?? f.description ?? f.title;
    if (!file || !severity || !message) {
      ctx.addIssue({ code: 'custom', message: 'finding needs file, severity and message' });
      return z.NEVER;
    }
    const category = ((f.category ?? f.type ?? '').trim() || 'general').slice(0, MAX_FIELD);
    return { file, line: Number.isNaN(line) ? 0 : line, severity, category, message } satisfies RawFinding;
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
 * Findings from a free-text answer: the whole text as one findings object, else the union of every
 * findings object in it (fenced or embedded in prose), each distinct finding once.
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
  const arrays = jsonCandidates(trimmed)
    .map(findingsArray)
    .filter((a): a is unknown[] => a !== null);
  if (arrays.length === 0) return null;
  const seen = new Set<string>();
  const findings: RawFinding[] = [];
  let dropped = 0;
  for (const arr of arrays) {
    const r = validateFindings(arr);
    dropped += r.dropped;
    for (const f of r.findings) {
      const key = JSON.stringify([f.file, f.line, f.severity, f.category, f.message]);
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push(f);
    }
  }
  return { findings, dropped };
}

/** A usage number a reviewer's output may carry: finite, not negative, not absurd (1e308 would price as $Infinity). */
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1e10 ? v : undefined;
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
