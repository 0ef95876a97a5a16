import { describe, expect, it } from 'vitest';
import type { SessionState } from '../core/index.js';
import { BUILTIN_PROFILES } from '../agents/index.js';
import { StatusTracker, belowAnswered, compilePatterns, retryDetail, waitingLine } from './status-tracker.js';

function tracker(options: { patterns?: object; screen?: () => string; quietMs?: number } = {}) {
  const seen: Array<[SessionState, string | undefined]> = [];
  const t = new StatusTracker({
    patterns: compilePatterns(options.patterns ?? BUILTIN_PROFILES.claude!.patterns),
    quietMs: options.quietMs ?? 60_000,
    readScreen: async () => options.screen?.() ?? '',
    onChange: (s, d) => seen.push([s, d]),
  });
  return { t, seen };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('status on the real CLIs', () => {
  it('a dialog on screen beats a hook’s working', async () => {
    let screen = '';
    const { t, seen } = tracker({ screen: () => screen });
    t.onHookEvent({ at: '', event: 'UserPromptSubmit', attempt: 1 });
    // The dialog is drawn in pieces the output stream does not show whole; the screen does.
    screen = ' Do you want to create hello.txt?\n ❯ 1. Yes\n   2. No\n\n Esc to cancel · Tab to amend';
    t.onOutput('\x1b[3;1H❯\x1b[3;3H1.');
    await sleep(700);
    expect(t.current).toBe('waiting');
    // A later PreToolUse-style working hook while the dialog is still the latest output keeps waiting.
    t.onOutput('Do you want to create hello.txt?\r\n');
    t.onHookEvent({ at: '', event: 'PreToolUse', attempt: 1 });
    expect(t.current).toBe('waiting');
    // Answered: typed input clears it, and the next hook decides again.
    t.onInput();
    t.onHookEvent({ at: '', event: 'PostToolUse', attempt: 1 });
    expect(t.current).toBe('working');
    expect(seen.map(([s]) => s)).toEqual(['working', 'waiting', 'working']);
    t.onExit();
  });

  it('an error the agent prints after a hook ended its turn makes it waiting, even when its first line already says so', async () => {
    let screen = '';
    const { t } = tracker({ patterns: BUILTIN_PROFILES.codex!.patterns, screen: () => screen });
    t.onHookEvent({ at: '', event: 'Stop', attempt: 1 });
    expect(t.current).toBe('idle');
    // The screen check the hook asked for finds nothing yet.
    await sleep(700);
    expect(t.current).toBe('idle');
    // Codex reports the failed request after its turn ended (was: no screen check then, so idle stayed).
    screen = '■ unexpected status 401 Unauthorized: Incorrect API key provided';
    t.onOutput('\r\n■ unexpected status 401 Unauthorized: Incorrect API key provided\r\n');
    await sleep(700);
    expect(t.current).toBe('waiting');
    t.onExit();
  });

  it('a redraw of what is already shown is not activity (a resize of an idle Codex or Gemini)', async () => {
    const { t, seen } = tracker({ patterns: BUILTIN_PROFILES.gemini!.patterns, quietMs: 50 });
    t.onOutput('\x1b[1;1H> Summarise the repo\r\n\x1b[2;1H✦ The repository holds a small web server.\r\n');
    await sleep(120);
    expect(t.current).toBe('idle');
    // The same text again, wrapped differently and with box lines of another width.
    t.onOutput('\x1b[2J\x1b[1;1H> Summarise the\r\nrepo\r\n\x1b[2;1H✦ The repository holds a small\r\nweb server.\r\n╭──────╮\r\n');
    expect(t.current).toBe('idle');
    // New content is activity.
    t.onOutput('\x1b[5;1H⠋ Reading files (esc to cancel)\r\n');
    expect(t.current).toBe('working');
    expect(seen.map(([s]) => s)).toEqual(['working', 'idle', 'working']);
    t.onExit();
  });

  it('says "API error, retry N/M" while the agent retries, without a new state', async () => {
    let screen = '';
    const { t, seen } = tracker({ screen: () => screen });
    t.onHookEvent({ at: '', event: 'UserPromptSubmit', attempt: 1 });
    screen = '❯ fix it\n✻ 529 Overloaded · Retrying in 2s · attempt 3/10\n❯ \n  esc to interrupt';
    t.onOutput('\x1b[2;3H529');
    await sleep(700);
    expect(seen).toEqual([
      ['working', undefined],
      ['working', 'API error, retry 3/10'],
    ]);
    t.onExit();
  });

  it('a hook’s idle after a turn that ended on an error shown on screen is waiting with that line', async () => {
    const screen = '› Write hello.txt.\n■ unexpected status 401 Unauthorized: Incorrect API key provided: x., url: http://127.0.0.1:1/v1/responses\n› Ask Codex to do anything';
    const { t, seen } = tracker({ patterns: BUILTIN_PROFILES.codex!.patterns, screen: () => screen });
    t.onHookEvent({ at: '', event: 'codex:agent-turn-complete', attempt: 1 });
    await sleep(700);
    expect(seen.at(-1)).toEqual(['waiting', 'unexpected status 401 Unauthorized: Incorrect API key provided: x., url: http://127.0.0.1:1/v1/responses']);
    t.onExit();
  });

  it('a screen-only agent waiting from its output says what it asks (Gemini’s failed turn, its boxed dialog)', async () => {
    const { t, seen } = tracker({ patterns: BUILTIN_PROFILES.gemini!.patterns, quietMs: 50 });
    t.onOutput(' > Write hello.txt\r\n✕ [API Error: {"error":{"code":401,"message":"Request had invalid authentication credentials."}}]\r\n');
    await sleep(120);
    // Was: waiting with no message (only a screen check gave the line).
    expect(seen).toEqual([['waiting', '[API Error: {"error":{"code":401,"message":"Request had invalid authentication credentials."}}]']]);
    t.onInput();
    t.onOutput('│ ? WriteFile Writing to hello.txt   │\r\n│ Apply this change?                 │\r\n│ ● 1. Allow once                    │\r\n');
    expect(seen.at(-1)).toEqual(['waiting', 'Apply this change?']);
    t.onExit();
  });

  it('reads retry counts and the asking line from text', () => {
    const claude = compilePatterns(BUILTIN_PROFILES.claude!.patterns);
    expect(retryDetail('✻ API error · Retrying in 1s · attempt 1/3', claude)).toBe('API error, retry 1/3');
    expect(retryDetail('✻ Thinking… (esc to interrupt)', claude)).toBeUndefined();
    expect(waitingLine('Detected a custom API key\n Do you want to use this API key?\n ❯ 2. No (recommended)', claude)).toBe('Do you want to use this API key?');
  });
});

describe('belowAnswered', () => {
  it('looks below a question the human answered while it stays on screen, and at the whole screen once it is gone', () => {
    const screen = 'working hard\nAllow this edit? [y/n]\ny\nall done';
    expect(belowAnswered(screen, 'Allow this edit? [y/n]')).toEqual({ text: 'y\nall done', stillShown: true });
    expect(belowAnswered('› Allow this edit? [y/n]\nnext', 'Allow this edit? [y/n]').text).toBe('next');
    const cleared = 'Do you want to proceed?\n❯ 1. Yes';
    expect(belowAnswered(cleared, 'Allow this edit? [y/n]')).toEqual({ text: cleared, stillShown: false });
    expect(belowAnswered(screen, null)).toEqual({ text: screen, stillShown: false });
  });
});
