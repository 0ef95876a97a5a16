import type { ProfileConfig } from '../core/index.js';
import type { SessionState } from '../core/index.js';
import type { HookEvent } from './hooks.js';
import { stateForHookEvent } from './hooks.js';

export const DEFAULT_QUIET_MS = 3000;

/** Strips escape sequences and applies carriage returns, leaving plain text for pattern matching. */
export function plainText(data: string): string {
  return data
    .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, '')
    .replace(/\x1b\[[0-9;?<>=!]*[ -/]*[@-~]/g, '\n')
    .replace(/\x1b[@-Z\\-_()*+][0-9A-Za-z]?/g, '')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

/** The last few non-blank lines of output as plain text: what recent output is classified by. */
function lastLinesOf(output: string): string {
  return plainText(output)
    .split('\n')
    .filter((l) => l.trim())
    .slice(-6)
    .join('\n');
}

export interface CompiledPatterns {
  waiting: RegExp[];
  working: RegExp[];
  idle: RegExp[];
  /** The agent retrying a failed API request; groups 1 and 2: attempt and maximum. */
  retrying: RegExp[];
}

export function compilePatterns(patterns: ProfileConfig['patterns']): CompiledPatterns {
  const compile = (list: string[] | undefined) =>
    (list ?? []).flatMap((p) => {
      try {
        return [new RegExp(p, 'im')];
      } catch {
        return [];
      }
    });
  return { waiting: compile(patterns?.waiting), working: compile(patterns?.working), idle: compile(patterns?.idle), retrying: compile(patterns?.retrying) };
}

/** The last line matching a waiting pattern (what the agent asks or reports), trimmed, or undefined. */
export function waitingLine(text: string, p: CompiledPatterns): string | undefined {
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!.trim();
    if (line && p.waiting.some((r) => r.test(line))) return askText(line);
  }
  return undefined;
}

/** A line that asks, as shown in a status (its bullet or prompt marker dropped). */
function askText(line: string): string {
  // Box borders of a full-screen dialog (Gemini's `│ Apply this change?   │`) are not part of it.
  return line.trim().replace(/^[│┃║|\s]+|[│┃║|\s]+$/g, '').replace(/^[■●❯›>⎿✕\s]+/, '').slice(0, 200);
}

/**
 * The screen text below the question the human last answered, when it is still on screen (a
 * line-based agent leaves "Allow this edit? [y/n]" above its later output); the whole text when
 * that question is gone (a full-screen agent cleared its dialog), so a new dialog still counts.
 */
export function belowAnswered(text: string, answered: string | null): { text: string; stillShown: boolean } {
  if (!answered) return { text, stillShown: false };
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i]!.trim() && askText(lines[i]!) === answered) return { text: lines.slice(i + 1).join('\n'), stillShown: true };
  }
  return { text, stillShown: false };
}

/** "API error, retry 3/10" when the text shows the agent retrying a failed request, else undefined. */
export function retryDetail(text: string, p: CompiledPatterns): string | undefined {
  for (const r of p.retrying) {
    // The latest retry line counts: search from the end.
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const m = r.exec(lines[i]!);
      if (m) return m[1] && m[2] ? `API error, retry ${m[1]}/${m[2]}` : 'API error, retrying';
    }
  }
  return undefined;
}

/** Text with whitespace and box-drawing removed: what stays the same when a screen is redrawn or re-wrapped. */
function contentKey(text: string): string {
  return text.replace(/[\s\u2500-\u259f]/g, '');
}

/**
 * True when output may change the screen in a way its text alone does not show: any escape
 * sequence but colours (cursor moves, erasing, a partial redraw, a split sequence), a carriage
 * return or backspace that overwrites a line. Output of plain lines (colours and newlines only)
 * ends the screen exactly as the stream reads, so a screen read would find nothing new.
 */
export function drawsInPlace(data: string): boolean {
  return /\x1b(?!\[[0-9;:]*m)|\r(?!\n)|[\x08\x7f]/.test(data);
}

/** Lines of the latest output considered for dialogs and retries. */
const TAIL_LINES = 12;

/**
 * While output flows, the screen itself is read at most this often to find a dialog the output
 * stream does not show whole (a partial redraw, a dialog drawn before this process followed it).
 */
export const SCREEN_CHECK_MS = 500;

/** Screen reads fall due on this grid (or a finer one: SCREEN_CHECK_MS), see scheduleScreenCheck. */
export const SCREEN_CHECK_GRID_MS = 1000;

/** What the screen text says, by the profile's patterns (waiting wins over idle over working). */
export function classifyScreen(text: string, p: CompiledPatterns): SessionState | null {
  if (p.waiting.some((r) => r.test(text))) return 'waiting';
  if (p.idle.some((r) => r.test(text))) return 'idle';
  if (p.working.some((r) => r.test(text))) return 'working';
  return null;
}

export interface StatusTrackerOptions {
  patterns: CompiledPatterns;
  quietMs: number;
  /** The current screen as plain text (for patterns when the output goes quiet). */
  readScreen: () => Promise<string>;
  /**
   * How often the screen is read at most while output flows (default SCREEN_CHECK_MS); asked at
   * each check, so it can follow how many sessions this process watches.
   */
  screenCheckMs?: () => number;
  /**
   * The latest raw output (the end of the output log), for settling an adopted session whose output
   * is recent without asking the runtime for its screen (one tmux call per agent at 100 agents).
   */
  readRecentOutput?: () => Promise<string>;
  onChange: (state: SessionState, detail?: string) => void;
  /** State to start from (adoption keeps the recorded one). */
  initial?: SessionState;
  /**
   * How long the session has already been quiet (adoption: from the output log's mtime); undefined
   * when it has printed nothing yet.
   */
  quietForMs?: number;
  /**
   * How long the output had been quiet where the agent runs, as last told (an agent on a host: by
   * the last log copy that got through); undefined: this machine, or a host that cannot say. An
   * agent on a host prints there and its output arrives here only with the copies: while none gets
   * through (the host is down, this machine is loaded) the output is unknown, not quiet, and must
   * not make the agent idle (a monitor with a short idleGraceSec would fail it as no_progress).
   */
  quietThereMs?: () => number | undefined;
}

/** How soon a quiet spell is looked at again while where the agent runs has not confirmed it. */
const UNCONFIRMED_RECHECK_MS = 500;

/**
 * Decides a session's status. Hook events (the agent's own word) win once one has arrived; until
 * then output means `working`, and after `quietMs` without output the screen decides: a waiting
 * pattern means `waiting`, otherwise `idle`.
 */
export class StatusTracker {
  private state: SessionState = 'starting';
  private hooksSeen = false;
  private timer: NodeJS.Timeout | null = null;
  private done = false;
  private recent = '';
  /** Content of recent output (contentKey), to tell a redraw from new output. */
  private shown = '';
  private detail: string | undefined;
  private screenCheck: NodeJS.Timeout | null = null;
  /** The question on screen when the human last typed (answered; it may stay on screen above). */
  private answered: string | null = null;
  private lastScreenCheck = 0;
  private nextScreenCheck = 0;
  /** A hook ended the turn: screen checks also look at the idle session for an error it shows. */
  private idleFromHook = false;
  /**
   * Whether the screen may show what the output stream did not (see drawsInPlace): true at first
   * (a dialog drawn before this process followed the session), cleared by each screen read. While
   * an agent prints plain lines the screen is not read: 100 such agents cost no tmux call.
   */
  private screenStale = true;

  constructor(private readonly o: StatusTrackerOptions) {
    if (o.initial && o.initial !== 'exited') this.state = o.initial;
    this.arm(o.quietForMs ?? 0);
    // A dialog may already be up (a session adopted from another process).
    this.scheduleScreenCheck();
  }

  private scheduleScreenCheck(): void {
    if (this.screenCheck || this.done) return;
    const every = this.o.screenCheckMs?.() ?? SCREEN_CHECK_MS;
    // On a grid of whole seconds (at most), so the reads of many sessions fall due together and
    // the runtime sends them to tmux as one call (CaptureBatch; on a host, in its round's one exec).
    const grid = Math.min(every, SCREEN_CHECK_GRID_MS);
    const due = Math.max(Date.now() + 100, this.lastScreenCheck + every);
    this.nextScreenCheck = Math.ceil(due / grid) * grid;
    this.screenCheck = setTimeout(() => void this.checkScreen(), this.nextScreenCheck - Date.now());
    this.screenCheck.unref?.();
  }

  /** A dialog on screen while the session counts as busy: it waits for the human; a retry line says so. */
  private async checkScreen(): Promise<void> {
    this.screenCheck = null;
    this.lastScreenCheck = this.nextScreenCheck;
    const busy = () => this.state === 'working' || this.state === 'starting' || (this.idleFromHook && this.state === 'idle');
    if (this.done || !busy()) return;
    // Output that arrives while the screen is read marks it stale again.
    this.screenStale = false;
    let text: string;
    try {
      text = await this.o.readScreen();
    } catch {
      this.screenStale = true;
      return;
    }
    const below = belowAnswered(text, this.answered);
    if (!below.stillShown) this.answered = null;
    const tail = below.text
      .split('\n')
      .filter((l) => l.trim())
      .slice(-25)
      .join('\n');
    if (this.done || !busy()) return;
    if (classifyScreen(tail, this.o.patterns) === 'waiting') this.set('waiting', waitingLine(tail, this.o.patterns));
    else if (this.state === 'working') {
      // The retry line is redrawn in pieces, so the screen (not the output stream) tells its count,
      // and when it is gone.
      this.set('working', retryDetail(tail, this.o.patterns));
    }
  }

  /**
   * Decides an adopted session's status now from the age of its output (the log's mtime) and its
   * screen, so a one-shot process (`flotilla status`, `check`) sees the current state instead of the
   * last one some earlier process wrote: quiet for quietMs already means idle or waiting, recent
   * output means working or waiting. Hook events, once seen, decide instead.
   */
  async settle(): Promise<void> {
    if (this.hooksSeen || this.done || this.o.quietForMs === undefined) return;
    if (this.o.quietForMs >= this.o.quietMs) {
      if (this.timer) clearTimeout(this.timer);
      await this.onQuiet(true);
      return;
    }
    // Output within quietMs: the agent is at work (or asking, when its screen says so), whatever
    // was recorded last (`starting` from a process that did not stay to watch, `idle` from an
    // earlier quiet spell).
    let text = '';
    try {
      text = this.o.readRecentOutput ? lastLinesOf(await this.o.readRecentOutput()) : await this.o.readScreen();
    } catch {
      // no screen: the output alone says working
    }
    if (this.done || this.hooksSeen) return;
    this.set(classifyScreen(text, this.o.patterns) === 'waiting' ? 'waiting' : 'working');
  }

  get current(): SessionState {
    return this.state;
  }

  private set(state: SessionState, detail?: string): void {
    if (this.done || (state === this.state && detail === this.detail)) return;
    this.state = state;
    this.detail = detail;
    this.o.onChange(state, detail);
  }

  /**
   * The line that asks in `text`, for the row's message (was: only a screen check gave one, so a
   * dialog or an API error seen in the output stream was `waiting` with no word of what); the
   * current one when `text` holds none (a dialog drawn in pieces).
   */
  private askingLine(text: string): string | undefined {
    return waitingLine(text, this.o.patterns) ?? (this.state === 'waiting' ? this.detail : undefined);
  }

  /** The non-empty last lines of the latest output. */
  private tail(): string {
    // From the end, stopping at TAIL_LINES (asked at every output: splitting the whole 4000
    // characters each time was a third of following a printing agent).
    const out: string[] = [];
    let end = this.recent.length;
    while (end > 0 && out.length < TAIL_LINES) {
      const start = this.recent.lastIndexOf('\n', end - 1);
      const line = this.recent.slice(start + 1, end);
      if (line.trim()) out.push(line);
      if (start < 0) break;
      end = start;
    }
    return out.reverse().join('\n');
  }

  /**
   * True when output only repaints what was already shown (a resize, a focus change, a cursor
   * blink): while idle or waiting that is not activity, and `since` keeps its value.
   */
  private isRedraw(text: string): boolean {
    if (this.state !== 'idle' && this.state !== 'waiting') return false;
    return text.split('\n').every((l) => {
      const key = contentKey(l);
      return !key || this.shown.includes(key);
    });
  }

  /**
   * The output goes quiet at `quietAt` unless more arrives. Output only moves that time: the timer
   * already set fires, finds it moved, and waits the rest (one timer per quiet spell, where a new
   * one for every chunk of output cost 100 agents 100 timers a second).
   */
  private arm(alreadyQuietMs = 0): void {
    if (this.done) return;
    this.quietAt = Date.now() + Math.max(0, this.o.quietMs - alreadyQuietMs);
    if (this.timer && this.timerDue <= this.quietAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.waitForQuiet();
  }

  private quietAt = 0;
  private timerDue = 0;

  private waitForQuiet(due = this.quietAt): void {
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.done) return;
      if (this.quietAt > Date.now()) this.waitForQuiet();
      else void this.onQuiet();
    }, Math.max(0, due - Date.now()));
    this.timer.unref?.();
  }

  /** `known`: the quiet spell was measured where the agent runs (adoption's settle). */
  private async onQuiet(known = false): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.done || this.hooksSeen) return;
    // Quiet here but not yet there, as far as this process was told: look again shortly, state unchanged.
    const there = known ? undefined : this.o.quietThereMs?.();
    if (there !== undefined && there < this.o.quietMs) {
      this.waitForQuiet(Date.now() + UNCONFIRMED_RECHECK_MS);
      return;
    }
    // What the last burst of output said; with no output since the last quiet spell, the screen.
    let text = this.recent;
    this.recent = '';
    text = text.split('\n').filter((l) => l.trim()).slice(-25).join('\n');
    if (!text.trim()) {
      try {
        text = belowAnswered(await this.o.readScreen(), this.answered).text;
      } catch {
        // no screen: quiet alone decides
      }
    }
    if (this.done || this.hooksSeen || this.timer) return;
    if (classifyScreen(text, this.o.patterns) === 'waiting') this.set('waiting', this.askingLine(text));
    else this.set('idle');
  }

  /** Output arrived (raw bytes as text). */
  onOutput(data: string): void {
    if (this.done) return;
    if (drawsInPlace(data)) this.screenStale = true;
    const text = plainText(data.length > 8000 ? data.slice(-8000) : data);
    if (this.isRedraw(text)) return;
    this.shown = (this.shown + contentKey(text)).slice(-20_000);
    this.arm();
    this.recent = (this.recent + text).slice(-4000);
    const tail = this.tail();
    const said = classifyScreen(tail, this.o.patterns);
    const retry = retryDetail(tail, this.o.patterns);
    if (this.hooksSeen) {
      // The hooks decide, but a dialog on screen beats their `working`, and a retry says so.
      if (this.state === 'working' && said === 'waiting') this.set('waiting', this.askingLine(tail));
      else if (this.state === 'working' && retry) this.set('working', retry);
    } else if (said === 'waiting') this.set('waiting', this.askingLine(tail));
    // The retry count read from the screen stays until the screen no longer shows it.
    else this.set('working', retry ?? (this.state === 'working' ? this.detail : undefined));
    // After a hook ended the turn, what the agent shows next (an error) is read from the screen too:
    // the stream alone does not move a hook's `idle`. Plain lines need no screen read (screenStale).
    if ((said !== 'waiting' && this.screenStale) || this.idleFromHook) this.scheduleScreenCheck();
  }

  /** The user (or flotilla) typed into the agent: what was on screen before is answered. */
  onInput(): void {
    this.recent = '';
    this.idleFromHook = false;
    // The question on screen now is answered: later screen checks look only below it.
    void this.o
      .readScreen()
      .then((text) => {
        this.answered = waitingLine(text, this.o.patterns) ?? null;
      })
      .catch(() => undefined);
  }

  onHookEvent(e: HookEvent): void {
    const state = stateForHookEvent(e);
    if (!state || this.done) return;
    this.hooksSeen = true;
    if (state === 'exited') return; // the process exit says it with the code
    // A dialog still on screen (nothing typed since it appeared) beats a hook's `working`.
    if (state === 'working' && this.state === 'waiting' && classifyScreen(this.tail(), this.o.patterns) === 'waiting') return;
    this.set(state, e.message);
    // A turn that ended on an error the agent shows on screen (Codex: "■ unexpected status 401")
    // is not a finished turn: the screen is looked at now and while output follows.
    this.idleFromHook = state === 'idle';
    if (this.idleFromHook) this.scheduleScreenCheck();
  }

  onExit(): void {
    this.done = true;
    if (this.screenCheck) clearTimeout(this.screenCheck);
    this.screenCheck = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
