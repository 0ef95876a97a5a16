import { createHash } from 'node:crypto';
import { mkdirSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import type { HostConfig } from '../core/index.js';
import { localTransport } from '../exec/index.js';
import type { Command, StartedProcess, Transport } from '../exec/index.js';

/** One argument quoted for a remote POSIX shell: single quotes, each ' written as '\''. */
export function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The remote shell line for a command: cd to `cwd`, env added, argv exec'd in a new session
 * (setsid when the host has it) so the remote program leads its own group. Every piece is quoted.
 */
export function remoteLine(command: Pick<Command, 'argv' | 'cwd' | 'env'>, hostEnv: Record<string, string> = {}): string {
  const program = command.argv[0];
  if (!program || program.startsWith('-') || program.includes('=')) throw new Error(`program name not allowed for a remote run: ${JSON.stringify(program)}`);
  const parts: string[] = [];
  if (command.cwd !== undefined) parts.push(`cd ${shellQuote(command.cwd)} &&`);
  const env = { ...hostEnv, ...command.env };
  const assigns: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (!ENV_NAME.test(name)) throw new Error(`environment variable name not allowed: ${JSON.stringify(name)}`);
    assigns.push(`${name}=${shellQuote(value)}`);
  }
  // No `--` after env: POSIX env does not take it (GNU env runs a program named `--`); argv[0] never starts with -.
  parts.push('exec', 'env', ...assigns, ...command.argv.map(shellQuote));
  return parts.join(' ');
}

/** The folder holding the master sockets: under the state folder, 0700, short names (sun_path is ~108 bytes). */
export function controlDir(stateDir: string): string {
  const dir = join(stateDir, 'ssh');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return dir;
}

export interface SshHost {
  name: string;
  config: HostConfig;
  /** Folder for the master connection socket (see controlDir). */
  controlDir: string;
  /** Extra ssh options for tests (a temp known_hosts file): `-o` values, never StrictHostKeyChecking=no. */
  extraOptions?: readonly string[];
  /** How long a master connection stays up idle. */
  persistSec?: number;
}

/**
 * A short socket path for a host: 12 hex chars of a hash of the host's name and everything that
 * decides how it authenticates, so any state path fits and two config hosts on one machine (another
 * key, another known_hosts) never share a master connection that the other one opened.
 */
export function controlPath(host: SshHost): string {
  const c = host.config;
  const key = [host.name, c.ssh, c.port, c.identityFile ?? '', c.knownHostsFile ?? ''].join('\0');
  return join(host.controlDir, createHash('sha256').update(key).digest('hex').slice(0, 12));
}

/** The ssh argv (without the remote line): multiplexed, batch mode, host keys checked, no forwarding. */
export function sshArgv(host: SshHost): string[] {
  for (const option of host.extraOptions ?? []) {
    if (/^stricthostkeychecking/i.test(option)) throw new Error('host key checking cannot be turned off');
  }
  const argv = [
    'ssh',
    '-T',
    '-p',
    String(host.config.port),
    '-o',
    'BatchMode=yes',
    '-o',
    'ForwardAgent=no',
    '-o',
    'ForwardX11=no',
    '-o',
    'ClearAllForwardings=yes',
    '-o',
    'ControlMaster=auto',
    '-o',
    `ControlPath=${controlPath(host)}`,
    '-o',
    `ControlPersist=${host.persistSec ?? 600}`,
    '-o',
    'ConnectTimeout=10',
    '-o',
    'ServerAliveInterval=15',
  ];
  if (host.config.identityFile) argv.push('-o', 'IdentitiesOnly=yes', '-i', host.config.identityFile);
  if (host.config.knownHostsFile) argv.push('-o', `UserKnownHostsFile=${host.config.knownHostsFile}`);
  for (const option of host.extraOptions ?? []) argv.push('-o', option);
  argv.push('--', host.config.ssh);
  return argv;
}

/**
 * A Transport that runs commands on `host` over its master connection. The local ssh process leads
 * the local group, so the runner's group kill ends ssh, which closes the channel and the remote side
 * gets SIGHUP. ssh's own failures exit 255.
 */
export function sshTransport(host: SshHost): Transport {
  return {
    name: host.name,
    start(command: Command): StartedProcess {
      // The local ssh process is started like any local program (its own group, stdin only with
      // input); cwd and env travel inside the remote line.
      const argv = [...sshArgv(host), remoteLine(command, host.config.env)];
      return localTransport.start({ argv, ...(command.input !== undefined ? { input: command.input } : {}) });
    },
  };
}

export type SshFailure = 'unreachable' | 'auth' | 'hostkey' | 'other';

/** Classifies ssh's stderr when it exits 255. */
export function classifySshError(stderr: string): SshFailure {
  if (/Host key verification failed|No \w+ host key is known|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(stderr)) return 'hostkey';
  if (/Permission denied|Too many authentication failures/i.test(stderr)) return 'auth';
  if (/Connection refused|Connection timed out|No route to host|Could not resolve hostname|Network is unreachable|Connection closed by/i.test(stderr))
    return 'unreachable';
  return 'other';
}

/** The lines of ssh's stderr that say why it failed, in the order it printed them. */
const REASONS: readonly [RegExp, string | null][] = [
  [/REMOTE HOST IDENTIFICATION HAS CHANGED/i, 'host key changed'],
  [/revoked/i, 'host key revoked'],
  [/No \w+ host key is known/i, 'host key unknown'],
  // In batch mode ssh cannot ask about a key it does not know: it says only this.
  [/Host key verification failed/i, 'host key unknown'],
  [/Permission denied|Too many authentication failures/i, null],
  [/Connection refused|Connection timed out|No route to host|Could not resolve hostname|Network is unreachable|Connection closed by|Connection reset|kex_exchange_identification|Broken pipe/i, null],
];

/**
 * ssh's own reason for a failure (exit 255) as one printable line: the line that names the fault
 * (connection refused, no route to host, permission denied (publickey)), with the host key faults
 * named (changed, revoked, unknown: batch mode says only "Host key verification failed." then), else ssh's last line; control bytes and ssh's banners removed, at most 200 characters.
 * Empty when ssh said nothing (a connection that closed while a command ran over it).
 */
export function sshReason(stderr: string): string {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/[^\x20-\x7e]/g, '').replace(/^[@\s]+|[@\s]+$/g, ''))
    .filter((l) => l && !/^Warning: Permanently added/.test(l));
  for (const [pattern, label] of REASONS) {
    const line = lines.find((l) => pattern.test(l));
    if (!line) continue;
    const last = lines.at(-1)!;
    const said = last !== line && /verification failed/i.test(last) ? `${line}; ${last}` : line;
    return (label ? `${label}: ${said}` : said).slice(0, 200);
  }
  return (lines.at(-1) ?? '').slice(0, 200);
}
