import { describe, expect, it, vi } from 'vitest';
import type { SessionState } from '../core/index.js';
import { BUILTIN_PROFILES } from '../agents/index.js';
import { stateForHookEvent } from './hooks.js';
import { SCREEN_CHECK_MS, StatusTracker, classifyScreen, compilePatterns, drawsInPlace, plainText } from './status-tracker.js';
import { SCREEN_CHECK_SHARE_MS, screenCheckInterval } from './status-wiring.js';

function tracker(patterns = {}, quietMs = 60_000) {
  const seen: SessionState[] = [];
  const t = new StatusTracker({ patterns: compilePatterns(patterns), quietMs, readScreen: async () => '', onChange: (s) => seen.push(s) });
  return { t, seen };
}

describe('status detection', () => {
  it('maps Claude Code hook events to states', () => {
    const at = '2026-01-01T00:00:00Z';
    const ev = (event: string, extra = {}) => stateForHookEvent({ at, event, attempt: 1, ...extra });
    expect(ev('UserPromptSubmit')).toBe('working');
    expect(ev('PreToolUse', { tool: 'Bash' })).toBe('working');
    expect(ev('Notification', { message: 'Claude needs your permission to use Bash' })).toBe('waiting');
    expect(ev('Notification', { message: 'Claude is waiting for your input' })).toBe('idle');
    expect(ev('Stop')).toBe('idle');
    expect(ev('SessionEnd')).toBe('exited');
    expect(ev('codex:agent-turn-complete')).toBe('idle');
    expect(ev('Whatever')).toBeNull();
  });

  it('lets hook events win over output once they arrive', () => {
    const { t, seen } = tracker({ waiting: ['\\?$'] });
    t.onOutput('thinking...\r\n');
    t.onHookEvent({ at: '', event: 'Stop', attempt: 1 });
    t.onOutput('Proceed?\r\n');
    expect(seen).toEqual(['working', 'idle']);
    t.onExit();
  });

  it('uses waiting patterns on fresh output and the quiet timer for idle', async () => {
    const { t, seen } = tracker({ waiting: ['Allow this\\?'] }, 50);
    t.onOutput('\x1b[1mAllow this?\x1b[0m [y/n]\r\n');
    expect(t.current).toBe('waiting');
    t.onInput();
    t.onOutput('y\r\ndone\r\n');
    expect(t.current).toBe('working');
    await new Promise((r) => setTimeout(r, 150));
    expect(t.current).toBe('idle');
    expect(seen).toEqual(['waiting', 'working', 'idle']);
    t.onExit();
  });

  it('keeps one quiet timer while output flows, and goes idle quietMs after the last output', async () => {
    vi.useFakeTimers();
    try {
      const { t, seen } = tracker({}, 3000);
      const timers = vi.spyOn(globalThis, 'setTimeout');
      // A line every 100 ms for 5 s: the session stays working all along.
      for (let i = 0; i < 50; i++) {
        t.onOutput(`line ${i}\n`);
        await vi.advanceTimersByTimeAsync(100);
      }
      expect(seen).toEqual(['working']);
      // Output only moves the quiet time: a timer per quiet wait (about 5000 / 3000), not one per line.
      expect(timers.mock.calls.length).toBeLessThanOrEqual(4);
      await vi.advanceTimersByTimeAsync(2800); // 2.9 s after the last line
      expect(t.current).toBe('working');
      await vi.advanceTimersByTimeAsync(200);
      expect(t.current).toBe('idle');
      timers.mockRestore();
      t.onExit();
    } finally {
      vi.useRealTimers();
    }
  });

  it('an agent on a host is not idle while its host has not confirmed the quiet (log copies that do not get through)', async () => {
    vi.useFakeTimers();
    try {
      // What the last copy that got through said: the host's log changed `there` ms before it.
      let there: number | undefined = 0;
      const seen: SessionState[] = [];
      const t = new StatusTracker({ patterns: compilePatterns({}), quietMs: 3000, readScreen: async () => '', onChange: (s) => seen.push(s), quietThereMs: () => there });
      t.onOutput('remote-tick 1\n');
      // No copy gets through for a minute (the host is down, or this machine is loaded): quiet here only.
      await vi.advanceTimersByTimeAsync(60_000);
      expect(seen).toEqual(['working']);
      // A copy gets through: the host's log last changed 1 s before it: still not quiet there.
      there = 1000;
      await vi.advanceTimersByTimeAsync(1000);
      expect(seen).toEqual(['working']);
      // The host says 3 s without a change: idle.
      there = 3000;
      await vi.advanceTimersByTimeAsync(600);
      expect(seen).toEqual(['working', 'idle']);
      // A host that cannot tell (no perl, no stat there) leaves quiet to this machine, as before.
      const other: SessionState[] = [];
      const u = new StatusTracker({ patterns: compilePatterns({}), quietMs: 3000, readScreen: async () => '', onChange: (s) => other.push(s), quietThereMs: () => undefined });
      u.onOutput('tick\n');
      await vi.advanceTimersByTimeAsync(3100);
      expect(other).toEqual(['working', 'idle']);
      // Adoption's quiet spell was measured on the host (its age at the round, plus the time since):
      // idle at once, for a one-shot check that does not stay for another round.
      const adopted: SessionState[] = [];
      const a = new StatusTracker({ patterns: compilePatterns({}), quietMs: 3000, readScreen: async () => '', onChange: (s) => adopted.push(s), initial: 'starting', quietForMs: 3500, quietThereMs: () => 2000 });
      await a.settle();
      expect(adopted).toEqual(['idle']);
      for (const x of [t, u, a]) x.onExit();
    } finally {
      vi.useRealTimers();
    }
  });

  it('strips escape sequences for matching', () => {
    expect(plainText('\x1b]0;title\x07a\x1b[31mb\x1b[0mc\r')).toBe('a\nb\nc');
  });

  it('ships patterns for the built-in agents', () => {
    const claude = compilePatterns(BUILTIN_PROFILES.claude!.patterns);
    expect(classifyScreen(' Do you want to proceed?\n ❯ 1. Yes\n   2. No', claude)).toBe('waiting');
    expect(classifyScreen('✻ Thinking… (12s · esc to interrupt)', claude)).toBe('working');
    expect(classifyScreen('> ', claude)).toBeNull();
    expect(classifyScreen('Allow execution of: npm test?', compilePatterns(BUILTIN_PROFILES.gemini!.patterns))).toBe('waiting');
    expect(classifyScreen('Run shell command? (Y)es/(N)o [Yes]:', compilePatterns(BUILTIN_PROFILES.aider!.patterns))).toBe('waiting');
  });

  it('decides an adopted session from the age of its output, not the state recorded last', async () => {
    const adopt = (initial: SessionState, quietForMs: number | undefined, screen = '') => {
      const seen: SessionState[] = [];
      const t = new StatusTracker({
        patterns: compilePatterns({ waiting: ['Allow this\\?'] }),
        quietMs: 3000,
        readScreen: async () => screen,
        onChange: (s) => seen.push(s),
        initial,
        ...(quietForMs !== undefined ? { quietForMs } : {}),
      });
      return { t, seen };
    };
    // Recorded `starting` by a `flotilla start` that did not stay; output a second ago.
    const fresh = adopt('starting', 1000);
    await fresh.t.settle();
    expect(fresh.seen).toEqual(['working']);
    // Recorded idle by a watcher long gone; it printed again since.
    const woke = adopt('idle', 200);
    await woke.t.settle();
    expect(woke.t.current).toBe('working');
    // Recent output that asks a question.
    const asks = adopt('working', 500, 'Allow this? [y/n]');
    await asks.t.settle();
    expect(asks.t.current).toBe('waiting');
    // Quiet for longer than quietMs: idle.
    const quiet = adopt('working', 10_000);
    await quiet.t.settle();
    expect(quiet.t.current).toBe('idle');
    // Nothing printed yet: stays as it was.
    const silent = adopt('starting', undefined);
    await silent.t.settle();
    expect(silent.seen).toEqual([]);
    // From the end of the output log when given one (no screen asked for).
    const fromLog = new StatusTracker({
      patterns: compilePatterns({ waiting: ['Allow this\\?'] }),
      quietMs: 3000,
      readScreen: async () => {
        throw new Error('the screen is not asked for');
      },
      readRecentOutput: async () => 'working on it\r\n\x1b[1mAllow this?\x1b[0m [y/n]\r\n\r\n',
      onChange: () => undefined,
      initial: 'starting',
      quietForMs: 100,
    });
    await fromLog.settle();
    expect(fromLog.current).toBe('waiting');
    fromLog.onExit();
    for (const x of [fresh, woke, asks, quiet, silent]) x.t.onExit();
  });
});

describe('screen reads while output flows', () => {
  /** A tracker fed a line every 100 ms for 10 s (redrawn in place by default); how many times it read the screen. */
  async function readsOver10s(screenCheckMs?: () => number, line = (i: number) => `\x1b[2K\rline ${i}`): Promise<number> {
    vi.useFakeTimers();
    try {
      let reads = 0;
      const t = new StatusTracker({
        patterns: compilePatterns({ waiting: ['Allow this\\?'] }),
        quietMs: 60_000,
        readScreen: async () => (reads++, 'working'),
        ...(screenCheckMs ? { screenCheckMs } : {}),
        onChange: () => undefined,
      });
      for (let i = 0; i < 100; i++) {
        t.onOutput(line(i));
        await vi.advanceTimersByTimeAsync(100);
      }
      t.onExit();
      return reads;
    } finally {
      vi.useRealTimers();
    }
  }

  it('reads the screen at most every screenCheckMs (default SCREEN_CHECK_MS)', async () => {
    const byDefault = await readsOver10s();
    expect(byDefault).toBeGreaterThanOrEqual(10_000 / SCREEN_CHECK_MS - 2);
    expect(byDefault).toBeLessThanOrEqual(10_000 / SCREEN_CHECK_MS + 1);
    const shared = await readsOver10s(() => screenCheckInterval(100));
    expect(shared).toBeGreaterThanOrEqual(1);
    expect(shared).toBeLessThanOrEqual(2); // 10 s apart at 100 sessions: the first read, maybe one more
  });

  it('reads no screen while the output is plain lines, which show all the screen does', async () => {
    // Only the first read (a dialog drawn before the session was followed); colours do not count.
    expect(await readsOver10s(undefined, (i) => `\x1b[32mline\x1b[0m ${i}\r\n`)).toBe(1);
    // One redraw among plain lines: the screen is read once more.
    expect(await readsOver10s(undefined, (i) => (i === 50 ? `\x1b[1Aline ${i}\r\n` : `line ${i}\r\n`))).toBe(2);
    expect(drawsInPlace('tick 1\r\n\x1b[1;31mred\x1b[m\r\n')).toBe(false);
    for (const d of ['\x1b[2J', '50%\r60%', 'ab\bc', '\x1b[3', '\x1b]0;title\x07']) expect(drawsInPlace(d)).toBe(true);
  });

  it('shares screen reads among the sessions followed: unchanged up to 5, 10 a second in all beyond', () => {
    expect(screenCheckInterval(1)).toBe(SCREEN_CHECK_MS);
    expect(screenCheckInterval(5)).toBe(SCREEN_CHECK_MS);
    expect(screenCheckInterval(100)).toBe(100 * SCREEN_CHECK_SHARE_MS);
    expect(100 / (screenCheckInterval(100) / 1000)).toBe(10);
  });
});
