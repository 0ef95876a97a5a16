import { z } from 'zod';
import { FlotillaError } from '../core/index.js';
import { parseClaudePrintOutput, readPrintOutput, type RunUsage } from '../agents/index.js';
import { jsonCandidates, tryJson } from './lenient-json.js';

/**
 * Parsing what a reviewer printed into findings. Reviewers are language models run by other
 * programs, so the output is messy: a bare JSON object, JSON in a ``` fence, JSON inside prose,
 * Claude Code's `-p --output-format json` envelope (the answer is the `result` string), Codex's
 * `exec --json` event lines (the answer is the last agent message), Gemini's plain text or its
 * `{ "response": ... }` envelope. The envelopes and their usage are read by each agent's own
 * print-output parser (agents/<cli>/print-output.ts), the same one cost prices reviews from. Each finding is validated on its own: an invalid one is dropped
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

/**
 * The usage of a reviewer run as task.review keeps it, from the agent's own print-output reader
 * (agents/<cli>/print-output.ts, the one cost prices from): `inputTokens` are uncached input only,
 * cache reads and writes are counted apart.
 */
function reviewerUsage(run: RunUsage): ReviewerUsage {
  const sum = (k: 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h') => run.usage.reduce((n, u) => n + u[k], 0);
  return {
    costUsd: run.reportedUsd ?? undefined,
    inputTokens: sum('input'),
    outputTokens: sum('output'),
    cacheReadTokens: sum('cacheRead'),
    cacheWriteTokens: sum('cacheWrite') + sum('cacheWrite1h'),
    model: run.usage[0]?.model || undefined,
  };
}

function clip(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 117)}...` : one || '(empty)';
}

/** Parses one reviewer's stdout. Throws ReviewOutputError when it holds no findings object. */
export function parseReviewerOutput(stdout: string, format: OutputFormat = 'auto'): ParsedReview {
  if (!stdout.trim()) throw new ReviewOutputError('reviewer printed nothing');
  if (format === 'auto' || format === 'codex-jsonl') {
    const codex = stdout.trim().includes('\n') || format === 'codex-jsonl' ? readPrintOutput(stdout, '', 'codex-jsonl') : null;
    if (codex) {
      for (const m of codex.answers) {
        const r = findingsFromText(m);
        if (r) return { ...r, envelope: 'codex-jsonl', usage: reviewerUsage(codex.usage) };
      }
      throw new ReviewOutputError(
        codex.answers.length ? `no findings JSON in the agent's last message: ${clip(codex.answers[0]!)}` : 'no agent message in the event stream',
      );
    }
  }
  const whole = tryJson(stdout.trim());
  if (format === 'auto' || format === 'claude-json') {
    const claude = parseClaudePrintOutput(stdout, '');
    if (claude?.hasAnswer) {
      const answer = claude.answers[0] ?? '';
      if (claude.isError) throw new ReviewOutputError(`reviewer reported an error: ${clip(answer)}`);
      const r = findingsFromText(answer);
      if (!r) throw new ReviewOutputError(`no findings JSON in the result: ${clip(answer)}`);
      return { ...r, envelope: 'claude-json', usage: reviewerUsage(claude.usage) };
    }
  }
  if (isRecord(whole) && typeof whole.response === 'string' && !('findings' in whole)) {
    const r = findingsFromText(whole.response);
    if (!r) throw new ReviewOutputError(`no findings JSON in the response: ${clip(whole.response)}`);
    const gemini = readPrintOutput(stdout, '', 'gemini-json');
    return { ...r, envelope: 'gemini-json', usage: gemini?.usage.usage.length ? reviewerUsage(gemini.usage) : null };
  }
  const r = findingsFromText(stdout);
  if (!r) throw new ReviewOutputError(`no findings JSON in the output: ${clip(stdout)}`);
  return { ...r, envelope: 'none', usage: null };
}
