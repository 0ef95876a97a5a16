import type { FleetEvent } from '../../engine/index.js';
import type { PassResult } from '../../engine/index.js';
import { safeLine } from '../../engine/index.js';

// Messages carry outside text (check output, hook-event messages, gh check names, reviewer
// findings): each is one safe line.
const L = (s: string) => safeLine(s, 500);

/** Text report of one pass for `flotilla check`. */
export function formatPass(r: PassResult): string {
  const lines: string[] = [];
  if (r.forgeWhy) lines.push(`forge: ${r.forge} (${r.forgeWhy})`);
  if (r.changes.length) {
    lines.push('changed:');
    for (const c of r.changes) lines.push(`  ${c.taskId}${c.attempt ? ` (attempt ${c.attempt})` : ''}: ${L(c.message)}`);
  } else {
    lines.push(`nothing changed (${r.tasks} task${r.tasks === 1 ? '' : 's'} watched, forge ${r.forge})`);
  }
  if (r.needsHuman.length) {
    lines.push('needs you:');
    for (const h of r.needsHuman) lines.push(`  ${h.taskId}: ${L(h.why)}: ${L(h.message)}`);
  } else {
    lines.push('nothing needs you');
  }
  return lines.join('\n');
}

/** One line for `flotilla watch` (null: not worth a line in text mode). */
export function formatEvent(e: FleetEvent, at = new Date()): string | null {
  const time = at.toISOString().slice(11, 19);
  switch (e.type) {
    case 'monitor.change':
      return `${time} ${e.change.taskId} ${e.change.what}: ${L(e.change.message)}`;
    case 'notification':
      return `${time} ${e.notification.taskId ?? '-'} notify ${e.notification.kind}: ${L(e.notification.message)}`;
    case 'error':
      return `${time} - error: ${L(e.message)}`;
    case 'task.added':
      return `${time} ${e.task.id} added: ${L(e.task.title)}`;
    case 'task.removed':
      return `${time} ${e.id} removed`;
    case 'monitor.pass':
    case 'registry.changed':
      return null;
    default: {
      // Events of other capabilities (sessions, recovery, review): one generic line.
      const { type, ...rest } = e as { type: string; taskId?: string } & Record<string, unknown>;
      const task = typeof rest.taskId === 'string' ? rest.taskId : '-';
      const session = rest.session as { state?: string; exitCode?: number | null; message?: string } | undefined;
      if (type === 'session.status' && session?.state) {
        const extra = session.state === 'exited' && session.exitCode != null ? ` (exit ${session.exitCode})` : session.message ? ` (${L(session.message)})` : '';
        return `${time} ${task} session: ${session.state}${extra}`;
      }
      return `${time} ${task} ${type}: ${L(JSON.stringify(rest).slice(0, 200))}`;
    }
  }
}
