import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { withFileLock } from '../fs/index.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';

/**
 * Host-wide slots: each live attempt that needs ports holds one slot N, and with it the block of
 * ports `portBase + N * portStride + i`. Leases live in one file per user (every repository on the
 * host shares it), so two live attempts never get the same slot, whichever repository they are in.
 * A lease goes when its attempt ends or its worktree is removed; one whose worktree no longer exists
 * is dropped by the next allocation (a crashed flotilla, a deleted temp repository).
 */

const leaseSchema = z.looseObject({
  slot: z.number().int().nonnegative(),
  ports: z.array(z.number().int().positive()),
  repo: z.string(),
  task: z.string(),
  attempt: z.number().int().positive(),
  worktree: z.string(),
  at: z.string(),
});
type Lease = z.infer<typeof leaseSchema>;
const leaseFileSchema = z.looseObject({ version: z.literal(1), leases: z.array(leaseSchema) });

/** The lease file: `$XDG_DATA_HOME/flotilla/slots.json` (default ~/.local/share). */
export function defaultSlotsFile(): string {
  const data = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(data, 'flotilla', 'slots.json');
}

export interface SlotRequest {
  /** The lease file (default: defaultSlotsFile()). */
  file?: string;
  /** Variable names that get a port each, in order. */
  names: readonly string[];
  portBase: number;
  portStride: number;
  repo: string;
  task: string;
  attempt: number;
  worktree: string;
  /** Tells whether a port can be bound now (tests replace it). */
  isFree?: (port: number) => Promise<boolean>;
}

export interface SlotGrant {
  slot: number;
  ports: Record<string, number>;
}

/** True when nothing listens on 127.0.0.1:port (a listener on 0.0.0.0 makes the bind fail too). */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

async function readLeases(file: string): Promise<Lease[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // A torn or hand-broken file only loses leases; the bind check still guards live ports.
    return [];
  }
  const parsed = leaseFileSchema.safeParse(raw);
  return parsed.success ? parsed.data.leases : [];
}

const MAX_PORT = 65535;

/**
 * Gives the attempt a slot and its ports: the lease it already holds (stable across restarts),
 * else the lowest free slot whose ports all bind. Throws when no slot up to port 65535 is free.
 */
export async function acquireSlot(req: SlotRequest): Promise<SlotGrant> {
  const file = req.file ?? defaultSlotsFile();
  const isFree = req.isFree ?? portIsFree;
  await ensurePrivateDir(dirname(file));
  return withFileLock(`${file}.lock`, async () => {
    const leases = (await readLeases(file)).filter((l) => existsSync(l.worktree));
    const mine = leases.find((l) => l.repo === req.repo && l.task === req.task && l.attempt === req.attempt);
    if (mine && mine.ports.length === req.names.length) {
      return { slot: mine.slot, ports: Object.fromEntries(req.names.map((n, i) => [n, mine.ports[i]!])) };
    }
    const others = leases.filter((l) => l !== mine);
    const taken = new Set(others.map((l) => l.slot));
    for (let slot = 0; req.portBase + slot * req.portStride + req.names.length - 1 <= MAX_PORT; slot++) {
      if (taken.has(slot)) continue;
      const ports = req.names.map((_, i) => req.portBase + slot * req.portStride + i);
      let free = true;
      for (const p of ports) {
        if (!(await isFree(p))) {
          free = false;
          break;
        }
      }
      if (!free) continue;
      const lease: Lease = { slot, ports, repo: req.repo, task: req.task, attempt: req.attempt, worktree: req.worktree, at: new Date().toISOString() };
      await writeFileAtomic(file, `${JSON.stringify({ version: 1, leases: [...others, lease] }, null, 2)}\n`);
      return { slot, ports: Object.fromEntries(req.names.map((n, i) => [n, ports[i]!])) };
    }
    throw new Error(`no free port slot from ${req.portBase} (stride ${req.portStride}) up to ${MAX_PORT}`);
  });
}

/** Gives up the attempt's slot (no-op when it holds none). */
export async function releaseSlot(o: { file?: string; repo: string; task: string; attempt?: number }): Promise<boolean> {
  const file = o.file ?? defaultSlotsFile();
  if (!existsSync(file)) return false;
  return withFileLock(`${file}.lock`, async () => {
    const leases = await readLeases(file);
    const kept = leases.filter((l) => !(l.repo === o.repo && l.task === o.task && (o.attempt === undefined || l.attempt === o.attempt)));
    if (kept.length === leases.length) return false;
    await writeFileAtomic(file, `${JSON.stringify({ version: 1, leases: kept }, null, 2)}\n`);
    return true;
  });
}
