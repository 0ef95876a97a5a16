import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentCliOf, classifyEnvironment, parseResetTime } from './environment.js';

const NOW = new Date(2026, 11, 2, 10, 0, 0); // local 10:00
const UTC_NOW = new Date('2026-12-02T10:00:00Z');
const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/agents/${name}`, import.meta.url), 'utf8');

describe('environment failures from the CLIs\' own words', () => {
  it('network, auth and a missing binary are environment failures, quoted', () => {
    expect(classifyEnvironment('\x1b[31m  ⎿  API Error: Unable to connect to API (ECONNREFUSED)\x1b[0m\n', 1, NOW, 'claude')).toEqual({
      kind: 'environment',
      reason: 'network',
      message: '⎿  API Error: Unable to connect to API (ECONNREFUSED)',
    });
    expect(classifyEnvironment('Not logged in · Please run /login\n', 1, NOW, 'claude')).toMatchObject({ kind: 'environment', reason: 'auth', message: 'Not logged in · Please run /login' });
    expect(classifyEnvironment('API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}', 1)).toMatchObject({ reason: 'auth' });
    expect(classifyEnvironment('Error: spawn claude ENOENT', null)).toMatchObject({ reason: 'missing_binary', message: 'Error: spawn claude ENOENT' });
    expect(classifyEnvironment('', 127)).toMatchObject({ reason: 'missing_binary' });
    expect(classifyEnvironment('■ stream disconnected before completion: error sending request for url (http://127.0.0.1:9/v1/responses)', 1, NOW, 'codex')).toMatchObject({ reason: 'network' });
  });

  it('recorded screens of the real CLIs: the newest error decides, a retry under way does not', () => {
    // Claude 2.1.197: a 529 answered earlier, then the key refused: auth, quoted.
    const auth = classifyEnvironment(fixture('claude-2.1.197-unauthorized.txt'), null, NOW, 'claude');
    expect(auth).toMatchObject({ kind: 'environment', reason: 'auth' });
    expect(auth!.message).toMatch(/^⎿\s+Invalid API key · Fix external API key$/);
    // After its retries, Claude gave up on 529: overloaded, no reset time named.
    expect(classifyEnvironment(fixture('claude-2.1.197-overloaded.txt'), null, NOW, 'claude')).toMatchObject({ kind: 'usage_limit', reason: 'overloaded', resetAt: null });
    // Still retrying: not a failure yet.
    expect(classifyEnvironment(fixture('claude-2.1.197-retrying.txt'), null, NOW, 'claude')).toBeNull();
    expect(classifyEnvironment(fixture('codex-0.171.0-unauthorized.txt'), null, NOW, 'codex')).toMatchObject({ kind: 'environment', reason: 'auth' });
  });

  it('usage limits and overload wait until the reset time the message names', () => {
    const old = classifyEnvironment('5-hour limit reached ∙ resets 3pm\n/upgrade to increase your usage limit.', 0, NOW, 'claude');
    expect(old).toMatchObject({ kind: 'usage_limit', reason: 'plan_limit' });
    expect(old!.kind === 'usage_limit' && new Date(old!.resetAt!).getHours()).toBe(15);
    const claude = classifyEnvironment("  ⎿  You've hit your session limit · resets 3pm (UTC)\n", null, UTC_NOW, 'claude');
    expect(claude).toEqual({ kind: 'usage_limit', reason: 'plan_limit', message: "⎿  You've hit your session limit · resets 3pm (UTC)", resetAt: '2026-12-02T15:00:00.000Z' });
    const codex = classifyEnvironment("■ You've hit your usage limit. Upgrade to Pro or try again in 2 hours 5 minutes.", 1, NOW, 'codex');
    expect(codex).toMatchObject({ kind: 'usage_limit', reason: 'plan_limit', resetAt: new Date(NOW.getTime() + 125 * 60_000).toISOString() });
    const gemini = classifyEnvironment('✕ Usage limit reached for gemini-2.5-pro.\nAccess resets at 4:30 PM UTC.\n/model to switch models.', null, UTC_NOW, 'gemini');
    expect(gemini).toMatchObject({ kind: 'usage_limit', reason: 'plan_limit', message: '✕ Usage limit reached for gemini-2.5-pro.', resetAt: '2026-12-02T16:30:00.000Z' });
    expect(classifyEnvironment('API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 1, NOW)).toMatchObject({
      kind: 'usage_limit',
      reason: 'overloaded',
      resetAt: null,
    });
    expect(classifyEnvironment('■ exceeded retry limit, last status: 429 Too Many Requests', null, NOW, 'codex')).toMatchObject({ reason: 'overloaded' });
  });

  it('ordinary failures are not environment failures', () => {
    expect(classifyEnvironment('FAIL src/a.test.ts > adds\nexpected 3 to be 4', 1)).toBeNull();
    expect(classifyEnvironment('', 0)).toBeNull();
    expect(classifyEnvironment('', null, NOW, 'claude')).toBeNull();
  });

  it('hostile text in a message comes back as one clean line, capped', () => {
    const hostile = `\x1b]0;pwned\x07\x1b[2J You've hit your limit \x9b31m\u202e· resets 3pm (Mars/Olympus)\x1b]52;c;ZXZpbA==\x07 ${'x'.repeat(400)}`;
    const hit = classifyEnvironment(hostile, null, NOW, 'claude');
    expect(hit).toMatchObject({ kind: 'usage_limit', reason: 'plan_limit', resetAt: null }); // an unknown zone names no time
    expect(hit!.message).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\n]/);
    expect(hit!.message.length).toBeLessThanOrEqual(240);
    expect(hit!.message.startsWith("You've hit your limit")).toBe(true);
  });

  it('knows which CLI a profile runs', () => {
    expect(agentCliOf('claude')).toBe('claude');
    expect(agentCliOf('mine', ['/usr/local/bin/codex', '{prompt}'])).toBe('codex');
    expect(agentCliOf('demo', ['node', 'demo.js'])).toBe('other');
  });
});

describe('reset times in every form the CLIs print', () => {
  it('relative', () => {
    expect(parseResetTime('resets in 45m', NOW)).toBe(new Date(NOW.getTime() + 45 * 60_000).toISOString());
    expect(parseResetTime('try again in 1 day 2 hours', NOW)).toBe(new Date(NOW.getTime() + 26 * 3_600_000).toISOString());
  });

  it('this machine\'s clock: 12- and 24-hour, the next such time', () => {
    expect(new Date(parseResetTime('Your limit will reset at 9:30 am', NOW)!).getDate()).toBe(3); // past today: tomorrow
    expect(new Date(parseResetTime('try again at 15:04', NOW)!).getMinutes()).toBe(4);
    const codex = new Date(parseResetTime('or try again at 3:04 PM.', NOW)!);
    expect([codex.getDate(), codex.getHours(), codex.getMinutes()]).toEqual([2, 15, 4]);
    const codexDay = new Date(parseResetTime('or try again at Dec 5th, 2026 3:04 PM.', NOW)!);
    expect([codexDay.getMonth(), codexDay.getDate(), codexDay.getHours()]).toEqual([11, 5, 15]);
  });

  it('Claude names the IANA zone; a date when more than a day ahead', () => {
    expect(parseResetTime('resets 3pm (Europe/Berlin)', UTC_NOW)).toBe('2026-12-02T14:00:00.000Z'); // CET = UTC+1
    expect(parseResetTime('resets 9:30am (America/New_York)', UTC_NOW)).toBe('2026-12-02T14:30:00.000Z'); // EST = UTC-5
    expect(parseResetTime('resets 10am (UTC)', UTC_NOW)).toBe('2026-12-03T10:00:00.000Z'); // now exactly: tomorrow
    expect(parseResetTime('resets Dec 5, 3pm (Europe/Berlin)', UTC_NOW)).toBe('2026-12-05T14:00:00.000Z');
    expect(parseResetTime('resets Jul 1, 3pm (Europe/Berlin)', UTC_NOW)).toBe('2027-07-01T13:00:00.000Z'); // summer time, next year
    expect(parseResetTime('resets Jan 2, 2027, 3pm (Asia/Tokyo)', UTC_NOW)).toBe('2027-01-02T06:00:00.000Z');
  });

  it('Gemini names a short zone', () => {
    expect(parseResetTime('Access resets at 4:30 PM PST.', UTC_NOW)).toBe('2026-12-03T00:30:00.000Z');
    expect(parseResetTime('Access resets at 11:00 AM GMT+1.', UTC_NOW)).toBe('2026-12-03T10:00:00.000Z');
  });

  it('garbage names no time', () => {
    expect(parseResetTime('resets 3', NOW)).toBeNull();
    expect(parseResetTime('no time here', NOW)).toBeNull();
    expect(parseResetTime('resets 25:99', NOW)).toBeNull();
    expect(parseResetTime('resets 13pm', NOW)).toBeNull();
    expect(parseResetTime('resets Foo 40, 3pm (UTC)', NOW)).toBeNull();
    expect(parseResetTime('resets 3pm (Not/AZone)', NOW)).toBeNull();
    expect(parseResetTime(`resets in ${'9'.repeat(30)}h`, NOW)).toBeNull();
  });
});
