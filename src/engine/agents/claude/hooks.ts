import type { SessionState } from '../../core/index.js';

/**
 * Claude Code's status hooks. flotilla starts it with `--settings <json>` whose hooks run a recorder
 * command for each event; any profile with `hooks: "claude"` (such as the demo agent) gets the same.
 */
export const CLAUDE_HOOK_EVENTS = ['UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'Stop', 'SessionEnd'] as const;

/**
 * The settings JSON: `commandFor(event)` is the shell command line Claude Code runs for the event
 * (it runs hook commands through a shell, with the hook's JSON on stdin).
 */
export function claudeSettings(commandFor: (event: string) => string, stopGateCommand?: string): string {
  const hooks: Record<string, unknown> = {};
  for (const event of CLAUDE_HOOK_EVENTS) {
    const commands = [{ type: 'command', command: commandFor(event) }];
    // The stop gate: exit 2 blocks the stop and its stderr tells the agent what is still failing.
    if (event === 'Stop' && stopGateCommand) commands.push({ type: 'command', command: stopGateCommand });
    const entry: Record<string, unknown> = { hooks: commands };
    if (event === 'PreToolUse' || event === 'PostToolUse') entry.matcher = '*';
    hooks[event] = [entry];
  }
  return JSON.stringify({ hooks });
}

/** The state a Claude Code hook event means, or null when it says nothing about state. */
export function claudeHookState(event: string, detail: { message?: string; kind?: string }): SessionState | null {
  switch (event) {
    case 'UserPromptSubmit':
    case 'PreToolUse':
    case 'PostToolUse':
      return 'working';
    case 'Notification':
      // "Claude is waiting for your input" comes after a finished turn: that is idle, not a question.
      if (detail.kind === 'idle_prompt' || /waiting for your input/i.test(detail.message ?? '')) return 'idle';
      return 'waiting';
    case 'Stop':
      return 'idle';
    case 'SessionEnd':
      return 'exited';
    default:
      return null;
  }
}
