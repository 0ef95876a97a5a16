import type { Attempt, FlotillaConfig, HostConfig, Task } from '../core/index.js';
import { localTransport } from '../exec/index.js';
import { resolveReserveMB } from '../builds/index.js';
import type { HostProbe, ProbeRequest } from './probe.js';
import { probeHosts, transportRun, type HostFault, type ProbeOutcome, type ProbeTarget } from './probe-hosts.js';
import { hostTmuxSocket } from './remote-host.js';
import { controlDir, sshTransport } from './ssh.js';

/**
 * What `flotilla hosts` shows: every host (`local` first, then config `hosts`) with what one probe
 * over its master connection says (reachable, memory, programs) and what the registry says runs
 * and waits there.
 */

export const LOCAL_HOST = 'local';
export const BASE_PROGRAMS = ['sh', 'git', 'tmux'] as const;

export interface HostRow {
  name: string;
  /** user@host:port; null for this machine. */
  target: string | null;
  reachable: boolean;
  fault: HostFault | null;
  message: string | null;
  memory: { totalMB: number; availableMB: number; reserveMB: number; freeAboveReserveMB: number } | null;
  agents: { running: number; queued: number; max: number; tasks: string[] };
  /**
   * RSS of each flotilla agent session found live on the host (session name = task id), MB: its
   * pane's whole process tree, measured by the probe. {} for \`local\` (the admission queue
   * measures this machine's agents) and when the host has no ps or no session of this repository.
   */
  agentRssMB: Record<string, number>;
  /** Version (or "installed") of each program looked for; null when missing; {} when unreachable. */
  programs: Record<string, string | null>;
  /** For remote hosts: the worktree root (ok / missing / readonly), null when not configured or unknown. */
  worktreeRoot: HostProbe['worktreeRoot'];
  probeMs: number;
}

/** The host an attempt runs on: `local` when it names none. */
export function attemptHost(attempt: Pick<Attempt, 'host'> | undefined): string {
  return attempt?.host ?? LOCAL_HOST;
}

/** The agent programs of every profile (first word of its command), sorted, without duplicates. */
export function agentPrograms(profiles: readonly { command: readonly string[] }[]): string[] {
  const names = profiles.map((p) => p.command[0]).filter((c): c is string => !!c && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(c));
  return [...new Set(names)].sort();
}

const RUNNING_STATES: readonly Task['state'][] = ['running', 'checking'];

/** Agents running (and their task ids) and tasks queued for `host`, from the registry. */
export function hostLoad(tasks: readonly Task[], host: string): { running: number; queued: number; tasks: string[] } {
  const here = tasks.filter((t) => {
    const last = t.attempts.at(-1);
    return RUNNING_STATES.includes(t.state) && last?.state === 'running' && attemptHost(last) === host;
  });
  const queued = tasks.filter((t) => t.state === 'queued' && (t.host ?? LOCAL_HOST) === host).length;
  return { running: here.length, queued, tasks: here.map((t) => t.id) };
}

export interface HostsReportInput {
  config: FlotillaConfig;
  configFile: string;
  stateDir: string;
  tasks: readonly Task[];
  programs: readonly string[];
  versions: boolean;
  timeoutMs: number;
  /** Only these hosts (hosts check). */
  only?: readonly string[];
  /** The repository: its agents' sessions on each remote host are listed (and their RSS measured) when given. */
  repoRoot?: string;
}

function target(name: string, config: HostConfig | null, stateDir: string, req: ProbeRequest): ProbeTarget {
  if (!config) return { name, run: transportRun(localTransport), remote: false, request: req };
  return { name, run: transportRun(sshTransport({ name, config, controlDir: controlDir(stateDir) })), remote: true, request: req };
}

export async function hostsReport(input: HostsReportInput): Promise<HostRow[]> {
  const { config } = input;
  const all: [string, HostConfig | null][] = [[LOCAL_HOST, null], ...Object.entries(config.hosts)];
  const hosts = input.only ? all.filter(([n]) => input.only!.includes(n)) : all;
  const targets = hosts.map(([name, hc]) =>
    target(name, hc, input.stateDir, {
      programs: [...BASE_PROGRAMS, ...input.programs],
      versions: input.versions,
      worktrees: [],
      ...(hc?.worktreeRoot ? { worktreeRoot: hc.worktreeRoot } : {}),
      // The same listing as the pass's: the repository's tmux server there, with each pane's RSS.
      ...(hc && input.repoRoot !== undefined ? { tmuxSocket: hostTmuxSocket(hc, input.repoRoot) } : {}),
    }),
  );
  const outcomes = await probeHosts(targets, input.timeoutMs);
  return hosts.map(([name, hc], i) => hostRow(name, hc, outcomes[i]!, input));
}

function hostRow(name: string, hc: HostConfig | null, outcome: ProbeOutcome, input: HostsReportInput): HostRow {
  const load = hostLoad(input.tasks, name);
  const max = hc ? hc.maxAgents : input.config.limits.maxAgents;
  const base = { name, target: hc ? `${hc.ssh}:${hc.port}` : null, agents: { ...load, max }, probeMs: outcome.ms };
  if (!outcome.ok) return { ...base, reachable: false, fault: outcome.fault, message: outcome.message, memory: null, programs: {}, worktreeRoot: null, agentRssMB: {} };
  const p = outcome.probe;
  let memory: HostRow['memory'] = null;
  if (p.memory) {
    const reserveMB = hc ? hc.memReserveMB : resolveReserveMB(input.config.limits, p.memory.totalMB, input.configFile);
    memory = { ...p.memory, reserveMB, freeAboveReserveMB: p.memory.availableMB - reserveMB };
  }
  const agentRssMB = Object.fromEntries(p.sessions.filter((x) => !x.dead && x.rssMB !== null).map((x) => [x.name, x.rssMB!]));
  return { ...base, reachable: true, fault: null, message: null, memory, programs: p.programs, worktreeRoot: p.worktreeRoot, agentRssMB };
}
