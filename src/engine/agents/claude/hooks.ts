import type { SessionState } from '../../core/index.js';

/**
 * Claude Code's status hooks. flotilla starts it with `--settings <json>` whose hooks run a recorder
 * command for each event; any profile with `hooks: "claude"` (such as the demo agent) gets the same.
 */
export const CLAUDE_HOOK_EVENTS = [
  'UserPromptSubmit',
  'PreToolUse',
  'PostToolUse',
  'Notification',
  'Stop',
  'SessionEnd',
  // Claude Code 2.x (checked in 2.1.197's hook list): a turn that ended in an API error, a
  // permission dialog, a subagent's end, and the agent-team events.
  'StopFailure',
  'PermissionRequest',
  'SubagentStop',
  'TaskCreated',
  'TaskCompleted',
  'TeammateIdle',
] as const;

/**
 * Events that run the stop gate: `Stop` for the agent itself, and in agent teams `TaskCompleted`
 * (exit 2 keeps the task open) and `TeammateIdle` (exit 2 keeps the teammate working), so a
 * teammate cannot mark work done that fails the local gates.
 */
export const CLAUDE_GATED_EVENTS: ReadonlySet<string> = new Set(['Stop', 'TaskCompleted', 'TeammateIdle']);

/**
 * The settings JSON: `commandFor(event)` is the shell command line Claude Code runs for the event
 * (it runs hook commands through a shell, with the hook's JSON on stdin).
 */
export function claudeSettings(commandFor: (event: string) => string, stopGateCommand?: string): string {
  const hooks: Record<string, unknown> = {};
  for (const event of CLAUDE_HOOK_EVENTS) {
    const commands = [{ type: 'command', command: commandFor(event) }];
    // The stop gate: exit 2 blocks the stop and its stderr tells the agent what is still failing.
    if (CLAUDE_GATED_EVENTS.has(event) && stopGateCommand) commands.push({ type: 'command', command: stopGateCommand });
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
    case 'TaskCreated':
      return 'working';
    case 'PermissionRequest':
      return 'waiting';
    case 'StopFailure':
      // The turn ended on an API error (auth, rate limit, overload, prompt too long): no Stop
      // follows, and the agent waits for the human with the error on screen.
      return 'waiting';
    case 'Notification':
      // "Claude is waiting for your input" comes after a finished turn: that is idle, not a question.
      if (detail.kind === 'idle_prompt' || /waiting for your input/i.test(detail.message ?? '')) return 'idle';
      return 'waiting';
    case 'Stop':
      return 'idle';
    case 'SessionEnd':
      return 'exited';
    // SubagentStop, TaskCompleted, TeammateIdle: a part of the work ended, the lead goes on.
    default:
      return null;
  }
}
