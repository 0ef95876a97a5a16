import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { processAlive } from '../exec/index.js';
import { writeFileAtomic } from '../fs/index.js';

/**
 * Which flotilla processes follow the sessions continuously (the fleet view, `watch`): each one keeps
 * `.flotilla/watchers/<pid>.json` while it runs. A one-shot command (`status`, `check`) reads them to
 * say when nobody is watching, so the states it shows were computed just now by itself.
 */
export function watchersDir(stateDir: string): string {
  return join(stateDir, 'watchers');
}

/** Marks this process as a watcher; the function returned unmarks it (call it on close). */
export async function markWatching(stateDir: string, kind: 'view' | 'watch'): Promise<() => void> {
  // Markers of watchers that ended without removing theirs (killed) go first.
  const live = new Set(liveWatchers(stateDir));
  try {
    for (const name of readdirSync(watchersDir(stateDir))) {
      const pid = Number(/^(\d+)\.json$/.exec(name)?.[1]);
      if (pid && !live.has(pid)) rmSync(join(watchersDir(stateDir), name), { force: true });
    }
  } catch {
    // no folder yet
  }
  const file = join(watchersDir(stateDir), `${process.pid}.json`);
  await writeFileAtomic(file, `${JSON.stringify({ pid: process.pid, kind, since: new Date().toISOString() })}\n`);
  return () => rmSync(file, { force: true });
}

/** The pids of watcher processes still running (files of ended ones are ignored, not removed). */
export function liveWatchers(stateDir: string): number[] {
  let names: string[];
  try {
    names = readdirSync(watchersDir(stateDir));
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const m = /^(\d+)\.json$/.exec(name);
    if (!m) continue;
    try {
      const recorded = JSON.parse(readFileSync(join(watchersDir(stateDir), name), 'utf8')) as { pid?: unknown };
      const pid = Number(m[1]);
      if (recorded.pid === pid && processAlive(pid)) pids.push(pid);
    } catch {
      // half-written or foreign: not a watcher
    }
  }
  return pids;
}

/** Seconds since a file was last written, or null when it does not exist. */
export function ageOfFileSec(file: string, now = Date.now()): number | null {
  try {
    return Math.max(0, Math.round((now - statSync(file).mtimeMs) / 1000));
  } catch {
    return null;
  }
}

/**
 * How a session's state reads when no watcher follows it: `working (unwatched, output 3s ago)`.
 * With a watcher, or for an exited session, just the state.
 */
export function sessionStateLabel(state: string, o: { watched: boolean; outputAgeSec: number | null }): string {
  if (o.watched || state === 'exited') return state;
  const output = o.outputAgeSec === null ? 'no output yet' : `output ${formatAgo(o.outputAgeSec)} ago`;
  return `${state} (unwatched, ${output})`;
}

function formatAgo(sec: number): string {
  if (sec < 120) return `${sec}s`;
  if (sec < 7200) return `${Math.round(sec / 60)}m`;
  return `${Math.round(sec / 3600)}h`;
}
