import { formatGB, safeLine, type HostQueueView } from '../../engine/index.js';

/**
 * `flotilla status`, one line per host (config `hosts`): agents running of its maximum (and their
 * RSS as the host's probe measured it), memory free
 * above its reserve at the last probe, and each task waiting for it with why. Host output (ssh's
 * messages) goes through the sanitiser.
 */
/** "350 MB" under a gigabyte (an idle agent's RSS would read "0.3 GB"), else formatGB's "1.6 GB". */
export function memoryText(mb: number): string {
  return mb < 1024 ? `${Math.round(mb)} MB` : formatGB(mb);
}

export function hostQueueLine(h: HostQueueView): string {
  const parts = [`host ${h.name}: ${h.reachable ? '' : `unreachable (${safeLine(h.fault ?? 'no answer', 160)}), `}${h.agents.running}/${h.agents.max} agents${h.agentsRssMB !== null ? ` (${memoryText(h.agentsRssMB)} measured)` : ''}`];
  if (h.freeAboveReserveMB !== null) parts.push(`${formatGB(h.freeAboveReserveMB)} free above reserve`);
  if (h.waiting.length > 0) parts.push(`waiting: ${h.waiting.map((w) => `${w.taskId} (${safeLine(w.reason, 160)})`).join(', ')}`);
  return parts.join(' · ');
}

export function hostQueueLines(hosts: readonly HostQueueView[] | undefined): string[] {
  return (hosts ?? []).map(hostQueueLine);
}
