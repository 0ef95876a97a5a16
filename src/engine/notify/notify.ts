import { safeLine } from '../core/index.js';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { FleetContext, FleetNotification } from '../core/index.js';

export const NOTIFY_EVENTS = ['ready', 'escalated', 'needs-input', 'merge-order', 'environment', 'paused'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];

/** The JSON object `notify.command` receives on stdin (one per event). */
export interface NotifyPayload {
  event: NotifyEvent;
  task: string;
  title: string;
  attempt: number;
  pr: { number: number; url: string | null; forge: 'local' | 'github' } | null;
  summary: string;
  /** More than the one line, where there is more: for `escalated`, every attempt and why it failed (one line each). */
  details?: string;
  at: string;
  repo: string;
}

/** What notifyOnce needs: the fleet context (its notifier puts the notification in the store and on the bus). */
export type NotifyContext = FleetContext;

export interface NotifyOutcome {
  /** False when this event was already sent for this task and attempt (by any process). */
  sent: boolean;
  payload: NotifyPayload | null;
  /** Delivery problems (the event still counts as sent: it is never sent twice). */
  errors: string[];
}

/** Full path of `program` on PATH, or null (no child process). */
export function findOnPath(program: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  return null;
}

const TITLES: Record<NotifyEvent, string> = { ready: 'ready for review', escalated: 'needs you (escalated)', 'needs-input': 'waiting for input', 'merge-order': 'conflicts with a ready sibling', environment: 'needs you (environment)', paused: 'paused' };

/**
 * Sends `event` for a task's attempt exactly once, across restarts and concurrent processes: the key
 * "<event>#<attempt>" is claimed in task.notified under the registry lock first, then the
 * notification goes out on every channel: the bus (TUI bell and OSC 9/777), notify-send when present
 * and desktop notifications are on, and config notify.command (JSON on stdin).
 */
export async function notifyOnce(
  ctx: NotifyContext,
  taskId: string,
  event: NotifyEvent,
  attempt: number,
  summary: string,
  details?: string,
): Promise<NotifyOutcome> {
  const at = new Date().toISOString();
  const payload = await ctx.registry.updateTask(taskId, (t): NotifyPayload | null => {
    const key = `${event}#${attempt}`;
    if (t.notified[key]) return null;
    t.notified[key] = at;
    return {
      event,
      task: t.id,
      title: t.title,
      attempt,
      pr: t.pr ? { number: t.pr.number, url: t.pr.url, forge: t.pr.forge } : null,
      summary,
      ...(details ? { details } : {}),
      at,
      repo: ctx.paths.root,
    };
  });
  if (!payload) return { sent: false, payload: null, errors: [] };
  const message = `${taskId} ${TITLES[event]}: ${summary}`;

  ctx.notifier.push({ kind: event, taskId, message });

  const errors = await deliver(ctx, payload, `flotilla: ${taskId} ${TITLES[event]}`, summary);
  for (const e of errors) ctx.events.emit({ type: 'error', message: e });
  return { sent: true, payload, errors };
}

/** The JSON `notify.command` receives when a host stops answering (`host-down`) or answers again (`host-back`). */
export interface HostNotifyPayload {
  event: 'host-down' | 'host-back';
  host: string;
  /** The tasks whose agents run there (not failed, no attempt used). */
  tasks: string[];
  summary: string;
  at: string;
  repo: string;
}

/**
 * A host's outage, told once (the caller decides once per outage: hosts' health): `host-down` is a
 * "needs you" (the store and bus, notify.command, the desktop), `host-back` an info.
 */
export async function notifyHost(ctx: NotifyContext, o: { event: 'host-down' | 'host-back'; host: string; tasks: readonly string[]; summary: string }): Promise<string[]> {
  ctx.notifier.push({ kind: o.event === 'host-down' ? 'needs-input' : 'info', message: o.summary });
  const payload: HostNotifyPayload = { event: o.event, host: o.host, tasks: [...o.tasks], summary: o.summary, at: new Date().toISOString(), repo: ctx.paths.root };
  const errors = await deliver(ctx, payload, `flotilla: host ${o.host} ${o.event === 'host-down' ? 'unreachable' : 'back'}`, o.summary);
  for (const e of errors) ctx.events.emit({ type: 'error', message: e });
  return errors;
}

/** notify.command (the payload as one JSON line on stdin) and the desktop; returns delivery problems. */
async function deliver(ctx: NotifyContext, payload: NotifyPayload | HostNotifyPayload, title: string, summary: string): Promise<string[]> {
  const errors: string[] = [];
  const { notify } = ctx.config;
  if (notify.command) {
    const [file, ...args] = notify.command;
    const r = await ctx.runner.run(file!, args, { cwd: ctx.paths.root, input: `${JSON.stringify(payload)}\n`, timeoutMs: 30_000 });
    if (r.exitCode !== 0) {
      errors.push(`notify.command ${file} ${r.notFound ? 'not found' : `failed (exit ${r.exitCode ?? 'signal'})`}: ${r.stderr.trim().split('\n').at(-1) ?? ''}`.trim());
    }
  }
  if (notify.desktop && (process.env.DISPLAY || process.env.WAYLAND_DISPLAY || process.env.DBUS_SESSION_BUS_ADDRESS)) {
    const bin = findOnPath('notify-send');
    if (bin) {
      const r = await ctx.runner.run(bin, ['--app-name=flotilla', title, summary], { timeoutMs: 10_000 });
      if (r.exitCode !== 0) errors.push(`notify-send failed (exit ${r.exitCode ?? 'signal'})`);
    }
  }
  return errors;
}

/**
 * The terminal side of a notification, for the TUI and `watch` to write: a bell, OSC 9 (iTerm2,
 * WezTerm, Windows Terminal) and OSC 777 (VTE, kitty, foot). Control characters are stripped from
 * the text.
 */
export function terminalAlert(n: Pick<FleetNotification, 'message' | 'taskId'>, bell: boolean): string {
  // No ESC, BEL, C1 (0x9c ends an OSC too) or any other control may reach the OSC's text.
  const clean = (s: string) => safeLine(s, 200);
  const title = clean(`flotilla${n.taskId ? `: ${n.taskId}` : ''}`);
  const body = clean(n.message);
  return `${bell ? '\x07' : ''}\x1b]9;${body}\x07\x1b]777;notify;${title};${body.replace(/;/g, ',')}\x07`;
}
