import type { SessionState } from '../../core/index.js';

/**
 * Codex reports turns through its `notify` setting: a program (argv, no shell) run with the event's
 * JSON appended as the last argument. flotilla passes it as `-c notify=[...]`.
 */
export function codexNotifyArgv(recorder: readonly string[]): string[] {
  return ['-c', `notify=${JSON.stringify(recorder)}`];
}

/** The state a Codex notification type means (recorded as "codex:<type>"), or null. */
export function codexNotifyState(type: string): SessionState | null {
  return type === 'agent-turn-complete' ? 'idle' : null;
}
