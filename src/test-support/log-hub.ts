import { readdirSync, readFileSync } from 'node:fs';

/** Pids of the shared log writers serving `socket` (their process title names it; Linux /proc). */
export function hubPids(socket: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0+$/, '') === `flotilla-log-hub ${socket}`) pids.push(Number(d));
    } catch {
      // gone
    }
  }
  return pids;
}
