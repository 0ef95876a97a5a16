import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { FlotillaConfig, HostsPort, PassHost, Task } from '../core/index.js';
import { withFileLock, writeFileAtomic } from '../fs/index.js';
import { nextHostHealth, type HostEvent, type HostHealth } from './health.js';
import { channelRun, probeHosts, transportRun, type ProbeOutcome } from './probe-hosts.js';
import { hostTmuxSocket } from './remote-host.js';
import { controlDir, sshTransport } from './ssh.js';

/**
 * The hosts' part of a monitoring pass: one probe per configured host (in parallel, each with its
 * own timeout), then the health decider against what the last pass (in any flotilla process) saw,
 * kept in `.flotilla/hosts-health.json` under a lock, so a host that goes down is announced once
 * per outage even when each pass is another `flotilla check` process.
 */

const healthSchema = z.record(
  z.string(),
  z.strictObject({ downSince: z.string().nullable(), fault: z.string().nullable(), message: z.string().nullable() }),
);

export function healthFile(stateDir: string): string {
  return join(stateDir, 'hosts-health.json');
}

async function readHealth(file: string): Promise<Record<string, HostHealth>> {
  try {
    const parsed = healthSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    // A damaged file is only a cache of the last pass: start over (worst case: one notice again).
    return parsed.success ? (parsed.data as Record<string, HostHealth>) : {};
  } catch {
    return {};
  }
}

export interface HostsPassResult {
  outcomes: ProbeOutcome[];
  health: Record<string, HostHealth>;
  events: HostEvent[];
}

/**
 * The monitoring pass's one probe per configured host, all at once, each with its own timeout: for
 * a host with attempts (`worktrees`: their worktrees there), the state of every flotilla tmux
 * session on it and `git status` of each of those worktrees; for the others, that they answer.
 * With the fleet's `hosts` each probe runs in that host's channel, the one ssh process the
 * process's other commands on the host share (a one-shot `check`: one ssh process per host);
 * without, each is an ssh exec of its own.
 */
export function probeHostsForPass(input: {
  config: Pick<FlotillaConfig, 'hosts'>;
  stateDir: string;
  repoRoot: string;
  worktrees: ReadonlyMap<string, readonly string[]>;
  timeoutMs: number;
  hosts?: Pick<HostsPort, 'get'>;
}): Promise<ProbeOutcome[]> {
  const dir = controlDir(input.stateDir);
  return probeHosts(
    Object.keys(input.config.hosts).map((name) => {
      const config = input.config.hosts[name]!;
      const worktrees = input.worktrees.get(name);
      return {
        name,
        remote: true,
        run: input.hosts ? channelRun(input.hosts.get(name)) : transportRun(sshTransport({ name, config, controlDir: dir })),
        request: { programs: [], versions: false, worktrees: worktrees ?? [], ...(worktrees ? { tmuxSocket: hostTmuxSocket(config, input.repoRoot) } : {}) },
      };
    }),
    input.timeoutMs,
  );
}

/**
 * The health decider against what the last pass (in any flotilla process) saw, kept in
 * `.flotilla/hosts-health.json` under a lock: a host that goes down is announced once per outage.
 */
export async function recordHostsHealth(input: {
  config: Pick<FlotillaConfig, 'hosts'>;
  stateDir: string;
  tasks: readonly Task[];
  answers: readonly PassHost[];
  now?: Date;
}): Promise<{ health: Record<string, HostHealth>; events: HostEvent[] }> {
  const names = Object.keys(input.config.hosts);
  if (names.length === 0) return { health: {}, events: [] };
  const file = healthFile(input.stateDir);
  return withFileLock(`${file}.lock`, async () => {
    const previous = await readHealth(file);
    const { health, events } = nextHostHealth(previous, input.answers, input.tasks, (input.now ?? new Date()).toISOString());
    // Hosts no longer in config drop out of the file.
    const kept = Object.fromEntries(Object.entries(health).filter(([n]) => names.includes(n)));
    await writeFileAtomic(file, `${JSON.stringify(kept, null, 2)}\n`);
    return { health: kept, events };
  });
}

/** The last health recorded (what `status` shows for attempts on a down host); {} when none. */
export function readHostsHealth(stateDir: string): Promise<Record<string, HostHealth>> {
  return readHealth(healthFile(stateDir));
}

/** A probe of every configured host (reachability only) and its health: `hosts`-style callers. */
export async function runHostsPass(input: {
  config: Pick<FlotillaConfig, 'hosts'>;
  stateDir: string;
  tasks: readonly Task[];
  timeoutMs: number;
  now?: Date;
}): Promise<HostsPassResult> {
  const names = Object.keys(input.config.hosts);
  if (names.length === 0) return { outcomes: [], health: {}, events: [] };
  const dir = controlDir(input.stateDir);
  const outcomes = await probeHosts(
    names.map((name) => ({
      name,
      remote: true,
      run: transportRun(sshTransport({ name, config: input.config.hosts[name]!, controlDir: dir })),
      request: { programs: ['git', 'tmux'], versions: false, worktrees: [] },
    })),
    input.timeoutMs,
  );
  return { outcomes, ...(await recordHostsHealth({ ...input, answers: outcomes })) };
}

/** The one line a host event gets (a notification, a line of `check` and `watch`). */
export function hostEventMessage(event: HostEvent): string {
  if (event.kind === 'host-down') {
    const tasks = event.tasks.length ? `; its tasks ${event.tasks.join(', ')} wait (not failed, no attempt used)` : '';
    return `host ${event.host} unreachable since ${event.since} (${event.fault}: ${event.message})${tasks}; see flotilla hosts check ${event.host}`;
  }
  return `host ${event.host} answers again (down since ${event.downSince})${event.tasks.length ? `; its tasks ${event.tasks.join(', ')} are followed again` : ''}`;
}
