import type { SessionInfo, SessionState } from './task-schema.js';

/**
 * The contract between the session runtimes (tmux, pty) and everything above them (TUI, monitor,
 * recovery, CLI). One live session per task: the task's latest attempt.
 */

/** One rendered screen. `lines` hold SGR-styled text (colours, bold, underline, inverse), one per row. */
export interface ScreenSnapshot {
  cols: number;
  rows: number;
  lines: string[];
  cursor: { x: number; y: number; visible: boolean };
  /** Lines above the live screen kept in the scrollback (the live screen's top line). */
  scrollback?: number;
  /** The buffer line these rows start at (equal to scrollback when live). */
  top?: number;
}

export interface StartSessionInput {
  taskId: string;
  /** Attempt number (1-based); its worktree must exist. */
  attempt: number;
  /** The composed prompt (see prompt/compose.ts). */
  prompt: string;
  /** Retry context delivered the profile's way (appendContext), or null. */
  extraContext: string | null;
}

export type AttachOutcome = { reason: 'detached' } | { reason: 'exited'; exitCode: number | null };

export interface AttachOptions {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  /** tmux-style key name, e.g. "C-]". */
  detachKey: string;
  /**
   * Leave the alternate screen when done (default true: right for a shell). A full-screen caller
   * that stays in the alternate screen (the TUI) passes false and redraws itself.
   */
  leaveAltScreen?: boolean;
}

export interface SessionManager {
  readonly runtime: 'tmux' | 'pty';
  /** Starts the agent for an attempt; writes attempt.session to the registry. */
  start(input: StartSessionInput): Promise<SessionInfo>;
  /** SIGTERM then SIGKILL to the session's process group; waits until it is gone. */
  stop(taskId: string): Promise<void>;
  /** Types text into the agent; with enter (default true) presses Enter after it. */
  send(taskId: string, text: string, options?: { enter?: boolean }): Promise<void>;
  /** The current screen as text (ANSI SGR kept when ansi is true), like `tmux capture-pane -p`. */
  capture(taskId: string, options?: { ansi?: boolean }): Promise<string>;
  isAlive(taskId: string): Promise<boolean>;
  /**
   * How long (ms) a followed session has printed nothing, measured where it runs, when this
   * machine's copy of its log cannot tell (an agent on a host); undefined: the local log's age says
   * it (Runtime.outputAgeMs).
   */
  outputAgeMs?(taskId: string): number | undefined;
  /** Last known status (also written to the registry on every change). */
  status(taskId: string): SessionState | null;
  /** Latest screen of a session this process shows, or null; `top`: rows from that scrollback line. */
  screen(taskId: string, options?: { top?: number }): ScreenSnapshot | null;
  /** Every line of a shown session's scrollback and screen, plain (search), or null. */
  history?(taskId: string): string[] | null;
  /**
   * The screen the task's latest attempt left behind, from the end of its output log, at the given
   * size: what to show when there is no live session (the agent exited or was stopped). Null without
   * a log.
   */
  lastScreen(taskId: string, size: { cols: number; rows: number }): Promise<ScreenSnapshot | null>;
  /** Starts feeding a live screen at the given size; onChange fires (throttled) when it changes. */
  subscribeScreen(taskId: string, size: { cols: number; rows: number }, onChange: () => void): () => void;
  resize(taskId: string, cols: number, rows: number): void;
  /**
   * The size new sessions start with: the fleet view sets its pane size here (kept in
   * .flotilla/pane-size.json for sessions other processes start), so agents start at the size they
   * are shown at instead of being resized right after they drew their first screen.
   */
  setStartSize(size: { cols: number; rows: number }): void;
  /** Full-screen raw passthrough until the detach key or the agent's exit. */
  attach(taskId: string, options: AttachOptions): Promise<AttachOutcome>;
  /** Finds sessions still running from an earlier flotilla process (tmux) and follows them again. */
  adopt(): Promise<void>;
  /** Releases screens and watchers; kills sessions only when killSessions is true (always for pty). */
  close(options?: { killSessions?: boolean }): Promise<void>;
}
