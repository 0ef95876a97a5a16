import { describe, expect, it } from 'vitest';
import { classifyEnvironment, parseResetTime } from './environment.js';

const NOW = new Date(2026, 11, 2, 10, 0, 0); // local 10:00

describe('environment failures from the CLIs\' own words', () => {
  it('network, auth and a missing binary are environment failures, quoted', () => {
    expect(classifyEnvironment('\x1b[31m  ⎿  API Error: Unable to connect to API (ECONNREFUSED)\x1b[0m\n', 1)).toEqual({
      kind: 'environment',
      reason: 'network',
      message: '⎿  API Error: Unable to connect to API (ECONNREFUSED)',
    });
    expect(classifyEnvironment('Not logged in · Please run /login\n', 1)).toMatchObject({ kind: 'environment', reason: 'auth', message: 'Not logged in · Please run /login' });
    expect(classifyEnvironment('API Error: 401 {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}', 1)).toMatchObject({ reason: 'auth' });
    expect(classifyEnvironment('Error: spawn claude ENOENT', null)).toMatchObject({ reason: 'missing_binary', message: 'Error: spawn claude ENOENT' });
    expect(classifyEnvironment('', 127)).toMatchObject({ reason: 'missing_binary' });
  });

  it('usage limits and overload wait until the reset time the message names', () => {
    const claude = classifyEnvironment("5-hour limit reached ∙ resets 3pm\n/upgrade to increase your usage limit.", 0, NOW);
    expect(claude).toMatchObject({ kind: 'usage_limit', reason: 'plan_limit' });
    expect(claude!.kind === 'usage_limit' && new Date(claude!.resetAt!).getHours()).toBe(15);
    const codex = classifyEnvironment("■ You've hit your usage limit. Upgrade to Pro or try again in 2 hours 5 minutes.", 1, NOW);
    expect(codex).toMatchObject({ kind: 'usage_limit', reason: 'plan_limit', resetAt: new Date(NOW.getTime() + 125 * 60_000).toISOString() });
    expect(classifyEnvironment('API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', 1, NOW)).toMatchObject({
      kind: 'usage_limit',
      reason: 'overloaded',
      resetAt: null,
    });
  });

  it('ordinary failures are not environment failures', () => {
    expect(classifyEnvironment('FAIL src/a.test.ts > adds\nexpected 3 to be 4', 1)).toBeNull();
    expect(classifyEnvironment('', 0)).toBeNull();
  });

  it('reads reset times: relative, 12-hour and 24-hour clocks, the next such time', () => {
    expect(parseResetTime('resets in 45m', NOW)).toBe(new Date(NOW.getTime() + 45 * 60_000).toISOString());
    expect(new Date(parseResetTime('Your limit will reset at 9:30 am', NOW)!).getDate()).toBe(3); // past today: tomorrow
    expect(new Date(parseResetTime('try again at 15:04', NOW)!).getMinutes()).toBe(4);
    expect(parseResetTime('resets 3', NOW)).toBeNull();
    expect(parseResetTime('no time here', NOW)).toBeNull();
  });
});
