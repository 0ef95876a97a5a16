import { environmentMessages } from '../agents/index.js';
import { stripAnsi } from './text.js';

/**
 * Failures that are not the task's fault, told apart from the agent CLIs' own words:
 * - `environment`: network down, not logged in / bad key, the CLI binary missing. Retrying does
 *   not help; the human fixes the machine, then `flotilla retry` reuses the same attempt.
 * - `usage_limit`: the plan's usage limit (with the reset time the CLI names) or the API
 *   overloaded until the CLI gave up; the task waits until `resetAt` without burning an attempt.
 * Pure: the caller passes the screen/log tail, the exit code and the clock.
 */

export type EnvironmentFailure =
  | { kind: 'environment'; reason: 'network' | 'auth' | 'missing_binary'; message: string }
  | { kind: 'usage_limit'; reason: 'plan_limit' | 'overloaded'; message: string; resetAt: string | null };

// Each CLI's own messages come from its adapter (agents/<cli>/adapter.ts); these are the ones any
// program prints (the system's network errors, an HTTP 401).
const CLI_MESSAGES = environmentMessages();
const NETWORK = [
  ...CLI_MESSAGES.network,
  /getaddrinfo (?:ENOTFOUND|EAI_AGAIN)/i,
  /\bECONNREFUSED\b/,
  /\bETIMEDOUT\b/,
];
const AUTH = [...CLI_MESSAGES.auth, /\b401\b.*(?:Unauthorized|authentication|invalid)/i];
const MISSING = [/spawn (\S+) ENOENT/, /(\S+): command not found/, /exec: "?(\S+?)"?: executable file not found/];
const PLAN_LIMIT = [/usage limit reached/i, /hit your (?:usage )?limit/i, /\blimit reached\b.*\breset/i, /Quota exceeded/i, /RESOURCE_EXHAUSTED/];
const OVERLOADED = [/\b529\b.*overloaded/i, /overloaded_error/i, /\b429\b.*(?:Too Many Requests|rate limit)/i, /rate_limit_error/i];

/** The line of `text` the first matching pattern is on, trimmed and capped (the CLI's own words). */
function lineOf(text: string, re: RegExp): string | null {
  for (const line of text.split('\n')) {
    if (re.test(line)) {
      const t = line.trim().replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, '');
      return t.length > 240 ? `${t.slice(0, 237)}...` : t;
    }
  }
  return null;
}

function first(text: string, list: RegExp[]): string | null {
  for (const re of list) {
    const hit = lineOf(text, re);
    if (hit) return hit;
  }
  return null;
}

/**
 * The reset time named in a limit message, as an ISO instant: "try again in 2 hours 5 minutes",
 * "resets in 45m", "resets 3pm", "reset at 3:30 PM", "try again at 15:04" (clock times are the
 * next such time on this machine's clock). Null when the message names none.
 */
export function parseResetTime(message: string, now: Date): string | null {
  const rel = /(?:try again|resets?|available again)\s+in\s+((?:\d+\s*(?:days?|d|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)\b\s*,?\s*(?:and\s+)?)+)/i.exec(message);
  if (rel) {
    let ms = 0;
    for (const m of rel[1]!.matchAll(/(\d+)\s*(d|h|m|s)/gi)) {
      const n = Number(m[1]);
      ms += n * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[m[2]!.toLowerCase() as 'd' | 'h' | 'm' | 's'];
    }
    if (ms > 0) return new Date(now.getTime() + ms).toISOString();
  }
  const clock = /(?:resets?|try again|available again)\s+(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b/i.exec(message);
  if (clock) {
    let h = Number(clock[1]);
    const min = clock[2] ? Number(clock[2]) : 0;
    const ap = clock[3]?.toLowerCase();
    if (!ap && !clock[2]) return null; // "resets 3" is not a time
    if (ap === 'pm' && h < 12) h += 12;
    if (ap === 'am' && h === 12) h = 0;
    if (h > 23 || min > 59) return null;
    const at = new Date(now);
    at.setHours(h, min, 0, 0);
    if (at.getTime() <= now.getTime()) at.setDate(at.getDate() + 1);
    return at.toISOString();
  }
  return null;
}

/** Whether `text` (a screen or log tail) and `exitCode` show a failure of the environment, and which. */
export function classifyEnvironment(raw: string, exitCode: number | null, now: Date = new Date()): EnvironmentFailure | null {
  const text = stripAnsi(raw);
  const plan = first(text, PLAN_LIMIT);
  if (plan) return { kind: 'usage_limit', reason: 'plan_limit', message: plan, resetAt: parseResetTime(text, now) };
  const auth = first(text, AUTH);
  if (auth) return { kind: 'environment', reason: 'auth', message: auth };
  const missing = first(text, MISSING);
  if (missing || exitCode === 127) return { kind: 'environment', reason: 'missing_binary', message: missing ?? `exited 127 (command not found)` };
  const net = first(text, NETWORK);
  if (net) return { kind: 'environment', reason: 'network', message: net };
  const busy = first(text, OVERLOADED);
  if (busy) return { kind: 'usage_limit', reason: 'overloaded', message: busy, resetAt: parseResetTime(text, now) };
  return null;
}
