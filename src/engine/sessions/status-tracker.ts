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

export interface CompiledPatterns {
  waiting: RegExp[];
  working: RegExp[];
  idle: RegExp[];
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
  return { waiting: compile(patterns?.waiting), working: compile(patterns?.working), idle: compile(patterns?.idle) };
}

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
  onChange: (state: SessionState, detail?: string) => void;
  /** State to start from (adoption keeps the recorded one). */
  initial?: SessionState;
  /** How long the session has already been quiet (adoption: from the output log's mtime). */
  quietForMs?: number;
}

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

  constructor(private readonly o: StatusTrackerOptions) {
    if (o.initial && o.initial !== 'exited') this.state = o.initial;
    this.arm(o.quietForMs ?? 0);
  }

  /**
   * When the session has been quiet for quietMs already (an adopted session whose log stopped
   * growing), decides its status now, so a one-shot process (`flotilla check`) sees it at once.
   */
  async settle(): Promise<void> {
    if ((this.o.quietForMs ?? 0) < this.o.quietMs || this.hooksSeen || this.done) return;
    if (this.timer) clearTimeout(this.timer);
    await this.onQuiet();
  }

  get current(): SessionState {
    return this.state;
  }

  private set(state: SessionState, detail?: string): void {
    if (this.done || state === this.state) return;
    this.state = state;
    this.o.onChange(state, detail);
  }

  private arm(alreadyQuietMs = 0): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.done) return;
    this.timer = setTimeout(() => void this.onQuiet(), Math.max(0, this.o.quietMs - alreadyQuietMs));
    this.timer.unref?.();
  }

  private async onQuiet(): Promise<void> {
    this.timer = null;
    if (this.done || this.hooksSeen) return;
    // What the last burst of output said; with no output since the last quiet spell, the screen.
    let text = this.recent;
    this.recent = '';
    text = text.split('\n').filter((l) => l.trim()).slice(-25).join('\n');
    if (!text.trim()) {
      try {
        text = await this.o.readScreen();
      } catch {
        // no screen: quiet alone decides
      }
    }
    if (this.done || this.hooksSeen || this.timer) return;
    this.set(classifyScreen(text, this.o.patterns) === 'waiting' ? 'waiting' : 'idle');
  }

  /** Output arrived (raw bytes as text). */
  onOutput(data: string): void {
    if (this.done) return;
    this.arm();
    if (this.hooksSeen) return;
    this.recent = (this.recent + plainText(data.length > 8000 ? data.slice(-8000) : data)).slice(-4000);
    const lastLines = this.recent.split('\n').slice(-6).join('\n');
    const said = classifyScreen(lastLines, this.o.patterns);
    this.set(said === 'waiting' ? 'waiting' : 'working');
  }

  /** The user (or flotilla) typed into the agent: what was on screen before is answered. */
  onInput(): void {
    this.recent = '';
  }

  onHookEvent(e: HookEvent): void {
    const state = stateForHookEvent(e);
    if (!state || this.done) return;
    this.hooksSeen = true;
    if (state === 'exited') return; // the process exit says it with the code
    this.set(state, e.message);
  }

  onExit(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
