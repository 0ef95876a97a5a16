import { tryJson } from './lenient-json.js';

/**
 * What a reviewer CLI said when it failed, quoted for the user: its stderr, else its stdout (Claude
 * and Gemini print errors such as "Not logged in · Please run /login" or "Invalid API key" on
 * stdout, sometimes as a JSON result). ANSI and control characters are removed; one line, capped.
 */

const ANSI = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;
// Every C0/C1 control but \n and \t, and Unicode bidi overrides.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;
const MAX = 300;

function clean(s: string): string {
  return s.replace(ANSI, '').replace(CONTROL, '');
}

/** The error text inside a JSON result some CLIs print on failure (`claude -p --output-format json`, `gemini -o json`). */
function jsonError(text: string): string | null {
  const last = text.trim().split('\n').at(-1) ?? '';
  const v = tryJson(last) ?? tryJson(text.trim());
  if (!v || typeof v !== 'object') return null;
  const o = v as Record<string, unknown>;
  if (o.is_error === true && typeof o.result === 'string' && o.result.trim()) return o.result;
  const err = o.error;
  if (typeof err === 'string' && err.trim()) return err;
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') return (err as { message: string }).message;
  return null;
}

/** The last meaningful lines of `text`, cleaned and joined on one line; '' when nothing is there. */
export function quoteTail(text: string, maxLines = 3): string {
  const lines = clean(text)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const t = lines.slice(-maxLines).join(' | ');
  return t.length > MAX ? `${t.slice(0, MAX - 3)}...` : t;
}

/** The CLI's own words for a failed run, from stderr first, then stdout; '' when it said nothing. */
export function reviewerFailureText(stderr: string, stdout: string): string {
  const fromJson = jsonError(stdout) ?? jsonError(stderr);
  if (fromJson) return quoteTail(fromJson);
  return quoteTail(stderr) || quoteTail(stdout);
}

/** "5 min" for whole minutes, else seconds. */
export function formatTimeout(ms: number): string {
  const s = Math.round(ms / 1000);
  return s % 60 === 0 ? `${s / 60} min` : `${s}s`;
}
