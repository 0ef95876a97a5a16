import { open, stat } from 'node:fs/promises';
import type { SessionState } from '../tasks/schema.js';
import { distScript, shellQuote } from './package-root.js';

/** Claude Code hook events flotilla listens to. */
export const CLAUDE_HOOK_EVENTS = ['UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'Stop', 'SessionEnd'] as const;

/** One line of `.flotilla/hooks/<task>/events.jsonl`, as written by hook-recorder. */
export interface HookEvent {
  at: string;
  event: string;
  attempt: number | null;
  tool?: string;
  message?: string;
  kind?: string;
}

export function hookRecorderArgv(eventsFile: string, event: string): string[] {
  return [process.execPath, distScript('engine', 'sessions', 'hook-recorder.js'), eventsFile, event];
}

/**
 * The `--settings` JSON for Claude Code (and any profile with hooks: "claude", such as the demo
 * agent): each event runs the recorder with the event name. Claude Code runs hook commands through
 * a shell, so every word is quoted; none of them comes from task data.
 */
export function claudeSettingsJson(eventsFile: string): string {
  const hooks: Record<string, unknown> = {};
  for (const event of CLAUDE_HOOK_EVENTS) {
    const command = hookRecorderArgv(eventsFile, event).map(shellQuote).join(' ');
    const entry: Record<string, unknown> = { hooks: [{ type: 'command', command }] };
    if (event === 'PreToolUse' || event === 'PostToolUse') entry.matcher = '*';
    hooks[event] = [entry];
  }
  return JSON.stringify({ hooks });
}

/** Extra argv that makes an agent report its status to flotilla. */
export function hookArgv(kind: 'claude' | 'codex' | 'none' | undefined, eventsFile: string): string[] {
  if (kind === 'claude') return ['--settings', claudeSettingsJson(eventsFile)];
  if (kind === 'codex') {
    // Codex runs notify as argv (no shell) and appends its JSON payload as the last argument.
    return ['-c', `notify=${JSON.stringify(hookRecorderArgv(eventsFile, 'codex'))}`];
  }
  return [];
}

/** The session state a hook event means, or null when it says nothing about state. */
export function stateForHookEvent(e: HookEvent): SessionState | null {
  switch (e.event) {
    case 'UserPromptSubmit':
    case 'PreToolUse':
    case 'PostToolUse':
      return 'working';
    case 'Notification':
      // "Claude is waiting for your input" comes after a finished turn: that is idle, not a question.
      if (e.kind === 'idle_prompt' || /waiting for your input/i.test(e.message ?? '')) return 'idle';
      return 'waiting';
    case 'Stop':
      return 'idle';
    case 'SessionEnd':
      return 'exited';
    default:
      if (e.event.startsWith('codex:')) return e.event === 'codex:agent-turn-complete' ? 'idle' : null;
      return null;
  }
}

export function parseHookLines(text: string): HookEvent[] {
  const out: HookEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const e = JSON.parse(line) as HookEvent;
      if (e && typeof e.event === 'string') out.push(e);
    } catch {
      // a torn line
    }
  }
  return out;
}

/** Reads an events file from `offset`; returns the whole lines found and the offset after them. */
export async function readHookEvents(file: string, offset: number): Promise<{ events: HookEvent[]; offset: number }> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    return { events: [], offset: 0 };
  }
  if (size < offset) offset = 0;
  if (size === offset) return { events: [], offset };
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(size - offset);
    await handle.read(buf, 0, buf.length, offset);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    return { events: parseHookLines(text.slice(0, end)), offset: offset + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    await handle.close();
  }
}
