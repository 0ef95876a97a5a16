import { safeLine } from '../core/index.js';
import { agentAdapter, environmentMessages } from '../agents/index.js';
import { parseResetTime } from './reset-time.js';
import { stripAnsi } from './text.js';

export { parseResetTime } from './reset-time.js';

/**
 * Failures that are not the task's fault, told apart from the agent CLIs' own words:
 * - `environment`: network down, not logged in / bad key, the CLI binary missing. Retrying does
 *   not help; the human fixes the machine, then `flotilla retry` reuses the same attempt.
 * - `usage_limit`: the plan's usage limit (with the reset time the CLI names) or the API
 *   overloaded until the CLI gave up; the task is paused until `resetAt` without burning an attempt.
 * The messages are kept per CLI (texts read from each CLI's bundle: Claude Code 2.1.197, Codex
 * 0.171, Gemini CLI 0.61), so they can move into the CLI's own folder under agents/.
 * Pure: the caller passes the screen/log tail, the exit code and the clock.
 */

export type EnvironmentReason = 'network' | 'auth' | 'missing_binary';
export type UsageLimitReason = 'plan_limit' | 'overloaded';

export type EnvironmentFailure =
  | { kind: 'environment'; reason: EnvironmentReason; message: string }
  | { kind: 'usage_limit'; reason: UsageLimitReason; message: string; resetAt: string | null };

type Reason = EnvironmentReason | UsageLimitReason;

/** What one CLI says for each kind of failure. */
export type EnvironmentMessages = Readonly<Record<Reason, readonly RegExp[]>>;

/** The agent CLIs flotilla knows the messages of; `other` is used for custom agents (every list). */
export type AgentCli = 'claude' | 'codex' | 'gemini' | 'aider' | 'other';

const GENERIC: EnvironmentMessages = {
  network: [/getaddrinfo (?:ENOTFOUND|EAI_AGAIN)/i, /\bECONNREFUSED\b/, /\bETIMEDOUT\b/, /\bENETUNREACH\b/, /fetch failed/i],
  auth: [/Invalid API key/i, /authentication_error/i, /\b401\b.*(?:Unauthorized|authentication|invalid)/i],
  missing_binary: [/spawn (\S+) ENOENT/, /(\S+): command not found/, /exec: "?(\S+?)"?: executable file not found/, /^command not found: /],
  plan_limit: [/usage limit reached/i, /Quota exceeded/i, /RESOURCE_EXHAUSTED/],
  overloaded: [/\b529\b.*overloaded/i, /overloaded_error/i, /\b429\b.*(?:Too Many Requests|rate limit)/i, /rate_limit_error/i],
};

export const ENVIRONMENT_MESSAGES: Readonly<Record<Exclude<AgentCli, 'other'>, EnvironmentMessages>> = {
  claude: {
    // "API Error: Unable to connect to API (ECONNREFUSED)", "Connection to the API was lost (ECONNRESET)".
    network: [/Unable to connect to API/i, /Unable to connect/i, /Connection to the API was lost/i, /Connection error/i],
    auth: [
      /Not logged in\s*·?\s*Please run \/login/i,
      /Invalid API key\s*·\s*Fix external API key/i,
      /Please run \/login\s*·\s*API Error/i,
      /Failed to authenticate/i,
      /OAuth token (?:has expired|has been revoked)/i,
      /Credit balance is too low/i,
    ],
    missing_binary: [],
    // "You've hit your session limit · resets 3pm (Europe/Berlin)", "You're out of usage credits · resets …",
    // older releases "5-hour limit reached ∙ resets 3pm".
    plan_limit: [/You(?:'|’)ve hit your .*limit/i, /You(?:'|’)re out of usage credits/i, /\blimit reached\b.*\breset/i, /reached your specified[\w\s-]*usage limits/i],
    // After its own retries: "API Error: 529 Overloaded…", "Repeated 529 Overloaded errors", "API Error: 429 …".
    overloaded: [/Repeated 529 Overloaded errors/i, /API Error:\s*529\b/i, /API Error:\s*429\b/i, /is experiencing high load/i],
  },
  codex: {
    // "■ stream disconnected before completion: error sending request for url (…)".
    network: [/stream disconnected before completion/i, /error sending request for url/i],
    auth: [/Sign in with ChatGPT/i, /Not signed in/i, /unexpected status 401/i, /Incorrect API key provided/i],
    missing_binary: [],
    // "■ You've hit your usage limit. Upgrade to Plus … or try again at 3:04 PM."
    plan_limit: [/You(?:'|’)ve hit your usage limit/i, /You(?:'|’)ve reached your usage limit/i, /You(?:'|’)re out of credits/i, /quota exceeded/i],
    // "■ exceeded retry limit, last status: 429 Too Many Requests".
    overloaded: [/exceeded retry limit, last status: (?:429|5\d\d)/i, /server overloaded/i, /Selected model is at capacity/i],
  },
  gemini: {
    network: [/Could not connect/i, /network error/i],
    auth: [/Please set an Auth method/i, /API key not valid/i, /Failed to login/i],
    missing_binary: [],
    // "Usage limit reached for gemini-2.5-pro.\nAccess resets at 3:04 PM PST."
    plan_limit: [/Usage limit reached for /i, /You have exhausted your daily quota/i, /Please wait and try again later\. To increase your limits/i],
    overloaded: [/We are currently experiencing high demand/i, /\b429\b.*Too Many Requests/i],
  },
  aider: {
    network: [/litellm\.APIConnectionError/i],
    auth: [/litellm\.AuthenticationError/i],
    missing_binary: [],
    plan_limit: [],
    overloaded: [/litellm\.RateLimitError/i, /litellm\.(?:InternalServerError|ServiceUnavailableError).*overloaded/i],
  },
};

const RETRYING = /Retrying in \d+\s*s|Reconnecting\.\.\./i;

const REASONS: readonly Reason[] = ['plan_limit', 'auth', 'missing_binary', 'network', 'overloaded'];

/**
 * The messages to look for with `cli`: its own and the generic ones (every CLI's for `other`);
 * the network and login messages its adapter (agents/<cli>/adapter.ts) knows are added.
 */
function listsFor(cli: AgentCli): Record<Reason, RegExp[]> {
  const own = cli === 'other' ? Object.values(ENVIRONMENT_MESSAGES) : [ENVIRONMENT_MESSAGES[cli]];
  const adapter = cli === 'other' ? environmentMessages() : (agentAdapter(cli)?.environment ?? { network: [], auth: [] });
  const out = {} as Record<Reason, RegExp[]>;
  for (const r of REASONS) out[r] = [...own.flatMap((m) => m[r]), ...GENERIC[r]];
  out.network.push(...adapter.network);
  out.auth.push(...adapter.auth);
  return out;
}

/**
 * Which CLI a profile runs: a built-in profile's name, else the program's file name when it is one
 * of the known CLIs, else `other`.
 */
export function agentCliOf(profileName: string, command: readonly string[] = []): AgentCli {
  const known = (n: string): n is Exclude<AgentCli, 'other'> => n === 'claude' || n === 'codex' || n === 'gemini' || n === 'aider';
  if (known(profileName)) return profileName;
  const program = (command[0] ?? '').split('/').pop() ?? '';
  return known(program) ? program : 'other';
}

/** The text a CLI expects, typed into its session, to go on after a pause. */
export const CONTINUE_TEXT: Readonly<Record<AgentCli, string>> = {
  claude: 'continue',
  codex: 'continue',
  gemini: 'continue',
  aider: 'continue',
  other: 'continue',
};

/** The message as one safe line (the CLI's own words, quoted): control bytes gone, at most 240 characters. */
function quote(line: string): string {
  return safeLine(line.trim(), 240);
}

/**
 * Whether `raw` (a screen or log tail) and `exitCode` show a failure of the environment, and which.
 * The newest line that names one decides (an old error above a later one is history). A missing
 * binary is also told by exit code 127.
 */
export function classifyEnvironment(raw: string, exitCode: number | null, now: Date = new Date(), cli: AgentCli = 'other'): EnvironmentFailure | null {
  const text = stripAnsi(raw);
  const lists = listsFor(cli);
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    // A retry still under way (the CLI's own "Retrying in 4s · attempt 2/10") is not where it gave up.
    if (!line.trim() || RETRYING.test(line)) continue;
    const reason = REASONS.find((r) => lists[r].some((re) => re.test(line)));
    if (!reason) continue;
    const message = quote(line);
    if (reason === 'plan_limit' || reason === 'overloaded') {
      // The reset time may be on the line or on the next ones ("Access resets at …").
      const around = lines.slice(i, i + 4).join('\n');
      return { kind: 'usage_limit', reason, message, resetAt: parseResetTime(around, now) };
    }
    return { kind: 'environment', reason, message };
  }
  if (exitCode === 127) return { kind: 'environment', reason: 'missing_binary', message: 'exited 127 (command not found)' };
  return null;
}
