import { openNoFollow, type SessionState } from '../core/index.js';
import { agentAdapter, hookEventState, type HookRecorder } from '../agents/index.js';
import { distScript, flotillaBin } from '../core/index.js';
import { join } from 'node:path';
import { assertTaskId } from '../core/index.js';

export { CLAUDE_HOOK_EVENTS } from '../agents/index.js';

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

function recorderFor(eventsFile: string, stopGate?: { taskId: string }): HookRecorder {
  return { argv: (event) => hookRecorderArgv(eventsFile, event), ...(stopGate ? { stopGate: stopGateArgv(stopGate.taskId) } : {}) };
}

/**
 * The `--settings` JSON for Claude Code (and any profile with hooks: "claude", such as the demo
 * agent): each event runs the recorder with the event name (agents/claude/adapter.ts).
 */
export function claudeSettingsJson(eventsFile: string, stopGate?: { taskId: string }): string {
  return agentAdapter('claude')!.statusEvents!.launchArgv(recorderFor(eventsFile, stopGate))[1]!;
}

/** `flotilla gate <task> --local`, as the Stop hook of a Claude Code worker (config stopGate.enabled). */
export function stopGateArgv(taskId: string): string[] {
  return [process.execPath, flotillaBin(), 'gate', assertTaskId(taskId), '--local'];
}

/** Extra argv that makes an agent report its status to flotilla: its adapter's native status events. */
export function hookArgv(kind: 'claude' | 'codex' | 'none' | undefined, eventsFile: string, stopGate?: { taskId: string }): string[] {
  return hookArgvWith(kind, recorderFor(eventsFile, stopGate));
}

/** The same with another recorder (an agent on a host runs the sh file there: host-hooks.ts). */
export function hookArgvWith(kind: 'claude' | 'codex' | 'none' | undefined, recorder: HookRecorder): string[] {
  return agentAdapter(kind)?.statusEvents?.launchArgv(recorder) ?? [];
}

/** The session state a recorded hook event means (its CLI's adapter decides), or null when it says nothing about state. */
export function stateForHookEvent(e: HookEvent): SessionState | null {
  return hookEventState(e);
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
  // Any process in the worktree can reach this file: a symlink or a FIFO planted there is not read.
  let handle;
  try {
    handle = await openNoFollow(file, 'r');
  } catch {
    return { events: [], offset: 0 };
  }
  try {
    const size = (await handle.stat()).size;
    if (size < offset) offset = 0;
    if (size === offset) return { events: [], offset };
    const buf = Buffer.alloc(size - offset);
    await handle.read(buf, 0, buf.length, offset);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf('\n') + 1;
    return { events: parseHookLines(text.slice(0, end)), offset: offset + Buffer.byteLength(text.slice(0, end)) };
  } finally {
    await handle.close();
  }
}
