import { readdir, readFile } from 'node:fs/promises';
import si from 'systeminformation/lib/processes.js';

/**
 * RSS of a process and all its descendants. On Linux one pass over /proc/<pid>/stat (parent pid and
 * resident pages of every process), which bench/builds.mjs measures at well under a millisecond for a
 * hundred processes; systeminformation `processes()` is the fallback elsewhere (tens to hundreds of ms).
 */

const PAGE_BYTES = 4096;
const MB = 1024 * 1024;

export interface ProcEntry {
  pid: number;
  ppid: number;
  rssBytes: number;
}

/** Parses one /proc/<pid>/stat line; the command name may hold spaces and parentheses. */
export function parseProcStat(text: string): ProcEntry | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number.parseInt(text.slice(0, open), 10);
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const rssPages = Number(rest[21]);
  if (!Number.isInteger(pid) || !Number.isFinite(ppid) || !Number.isFinite(rssPages)) return null;
  return { pid, ppid, rssBytes: rssPages * PAGE_BYTES };
}

export async function listProcProcesses(procDir = '/proc'): Promise<ProcEntry[]> {
  const names = await readdir(procDir);
  const entries = await Promise.all(
    names
      .filter((n) => /^\d+$/.test(n))
      .map(async (n) => {
        try {
          return parseProcStat(await readFile(`${procDir}/${n}/stat`, 'utf8'));
        } catch {
          return null; // exited meanwhile
        }
      }),
  );
  return entries.filter((e): e is ProcEntry => e !== null);
}

async function listSiProcesses(): Promise<ProcEntry[]> {
  const data = await si.processes();
  return data.list.map((p) => ({ pid: p.pid, ppid: p.parentPid, rssBytes: (p.memRss ?? 0) * 1024 }));
}

/** Sums the RSS (MB) of every tree rooted at `roots`; each process is counted once. */
export function treeRssMB(processes: readonly ProcEntry[], roots: readonly number[]): number {
  const children = new Map<number, ProcEntry[]>();
  const byPid = new Map<number, ProcEntry>();
  for (const p of processes) {
    byPid.set(p.pid, p);
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const seen = new Set<number>();
  const stack = roots.filter((r) => byPid.has(r));
  let bytes = 0;
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    bytes += byPid.get(pid)?.rssBytes ?? 0;
    for (const c of children.get(pid) ?? []) stack.push(c.pid);
  }
  return bytes / MB;
}

export type ProcessLister = () => Promise<ProcEntry[]>;

/** The lister for this platform. */
export function defaultProcessLister(): ProcessLister {
  return process.platform === 'linux' ? () => listProcProcesses() : listSiProcesses;
}
