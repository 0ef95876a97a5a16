import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { UsageError, type FlotillaConfig, type HostConfig, type HostLayout, type HostsPort, type RemoteHostPort } from '../core/index.js';
import { createRunner, runCommand } from '../exec/index.js';
import { withFileLock } from '../fs/index.js';
import { HostChannel, type ChannelResult } from './channel.js';
import { controlDir, controlPath, shellQuote, sshArgv, sshTransport, type SshHost } from './ssh.js';

/**
 * Makes the repository's folders on the host (0700) and prints the base folder: config
 * worktreeRoot, else `$HOME/.local/share/flotilla`. $1: worktreeRoot or "", $2: repository key.
 */
const LAYOUT_SCRIPT = [
  'umask 077',
  'b=${1:-$HOME/.local/share/flotilla}',
  's="$b/.flotilla/$2"',
  'mkdir -p "$s/logs" "$b/$3" || exit 1',
  'chmod 700 "$b/.flotilla" "$s" "$s/logs" || exit 1',
  'printf %s "$b"',
].join('\n');

/** A short, stable key of the repository for names on a host: `<name>-<hash>`. */
export function repoKey(repoRoot: string): { name: string; hash: string } {
  const hash = createHash('sha1').update(repoRoot).digest('hex').slice(0, 10);
  const name = basename(repoRoot).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40) || 'repo';
  return { name: `${name}-${hash}`, hash };
}

/** The layout under a base folder on the host (LAYOUT_SCRIPT's `$b`). */
function layoutUnder(base: string, repoRoot: string): HostLayout {
  const key = repoKey(repoRoot);
  const stateDir = `${base}/.flotilla/${key.hash}`;
  return {
    worktreeRoot: `${base}/${key.name}`,
    stateDir,
    mirror: `${stateDir}/mirror.git`,
    tmuxSocket: `${stateDir}/tmux`,
    tmuxConf: `${stateDir}/tmux.conf`,
    logDir: `${stateDir}/logs`,
  };
}

/**
 * The host's tmux socket for this repository without asking the host: under `worktreeRoot`, or
 * `~/…` (the probe reads it as under the host's $HOME) when config leaves the base to the host.
 */
export function hostTmuxSocket(config: Pick<HostConfig, 'worktreeRoot'>, repoRoot: string): string {
  return layoutUnder(config.worktreeRoot ?? '~/.local/share/flotilla', repoRoot).tmuxSocket;
}

class RemoteHost implements RemoteHostPort {
  readonly runner;
  private readonly transport;
  private layoutOnce: Promise<HostLayout> | null = null;

  constructor(
    readonly name: string,
    private readonly ssh: SshHost,
    private readonly repoRoot: string,
  ) {
    this.transport = sshTransport(ssh);
    this.runner = createRunner(this.transport);
    this.channel = new HostChannel(ssh);
  }

  get config() {
    return this.ssh.config;
  }

  /**
   * The host's folders for this repository. With `worktreeRoot` in config they are known here, and
   * no exec is spent: the scripts that write there make them (0700) as they go (the worktree
   * preparation, the agent's launch). Without it the host is asked once for its $HOME.
   */
  layout(): Promise<HostLayout> {
    if (this.config.worktreeRoot) return Promise.resolve(layoutUnder(this.config.worktreeRoot, this.repoRoot));
    this.layoutOnce ??= this.readLayout().catch((err) => {
      this.layoutOnce = null;
      throw err;
    });
    return this.layoutOnce;
  }

  private async readLayout(): Promise<HostLayout> {
    const key = repoKey(this.repoRoot);
    const r = await this.runner.run('sh', ['-c', LAYOUT_SCRIPT, 'sh', this.config.worktreeRoot ?? '', key.hash, key.name], { timeoutMs: 30_000 });
    const base = r.stdout.trim();
    if (r.exitCode !== 0 || !base.startsWith('/')) {
      throw new UsageError(`host ${this.name}: cannot make flotilla's folders there: ${(r.error ?? r.stderr).trim().split('\n').at(-1) ?? `exit ${r.exitCode}`}`);
    }
    return layoutUnder(base, this.repoRoot);
  }

  /** The long-lived shell on the host that readBytes uses (opened on first use). */
  readonly channel: HostChannel;

  /**
   * Runs `argv` in the host's long-lived channel (one ssh session for every call, no process per
   * call here nor login shell there): the log copy rounds, tmux commands, a pass's probe.
   */
  readBytes(argv: readonly string[], options: { timeoutMs?: number } = {}): Promise<ChannelResult> {
    return this.channel.run(argv, options);
  }

  stream(
    argv: readonly string[],
    options: { cwd?: string; env?: Record<string, string | undefined>; timeoutMs?: number; signal?: AbortSignal; onOutput: (chunk: Buffer, stream: 'stdout' | 'stderr') => void; onPid?: (pid: number) => void },
  ) {
    return runCommand({ argv, ...options, collect: false }, this.transport);
  }

  ttyArgv(argv: readonly string[]): string[] {
    const base = sshArgv(this.ssh);
    const dest = base.splice(base.indexOf('--'));
    // A terminal for the remote program (-t instead of -T); the remote line is quoted as for any command.
    return [...base.map((a) => (a === '-T' ? '-t' : a)), ...dest, ['exec', ...argv.map(shellQuote)].join(' ')];
  }

  async gitRemote(): Promise<{ url: string; env: Record<string, string> }> {
    // With a configured worktreeRoot the mirror's path is known here: no exec to ask the host.
    const { mirror } = this.config.worktreeRoot ? layoutUnder(this.config.worktreeRoot, this.repoRoot) : await this.layout();
    const argv = sshArgv(this.ssh);
    // git appends the destination and its own command; each of our words is quoted for git's shell.
    const options = argv.slice(0, argv.indexOf('--'));
    return {
      url: `ssh://${this.config.ssh}${mirror}`,
      env: { GIT_SSH_COMMAND: options.map(shellQuote).join(' '), GIT_SSH_VARIANT: 'ssh', GIT_TERMINAL_PROMPT: '0' },
    };
  }

  withMirrorLock<T>(fn: () => Promise<T>): Promise<T> {
    // Beside the host's master socket (the state folder's ssh/, 0700). A push may take minutes
    // (its own limit is 5): a waiter waits that long, and only a lock older than that is taken over.
    return withFileLock(join(this.ssh.controlDir, `${this.name}.mirror.lock`), fn, { timeoutMs: 6 * 60_000, staleMs: 6 * 60_000 });
  }
}

export interface HostsOptions {
  config: Pick<FlotillaConfig, 'hosts'>;
  repoRoot: string;
  /** The repository's state folder: master sockets go under it (0700). */
  stateDir: string;
}

/** The configured hosts, each built on first use; `close` leaves the master connections to ControlPersist. */
export function createHosts(o: HostsOptions): HostsPort {
  const built = new Map<string, RemoteHost>();
  const names = () => Object.keys(o.config.hosts ?? {});
  return {
    names,
    get(name) {
      const existing = built.get(name);
      if (existing) return existing;
      const config = o.config.hosts?.[name];
      if (!config) {
        const known = names();
        throw new UsageError(`no host "${name}" in config hosts (${known.length ? `known: ${known.join(', ')}` : 'none configured; see docs/hosts.md'})`);
      }
      const host = new RemoteHost(name, { name, config, controlDir: controlDir(o.stateDir) }, o.repoRoot);
      built.set(name, host);
      return host;
    },
    async close() {
      for (const host of built.values()) host.channel.close();
      built.clear();
    },
  };
}

/** Ends a host's master connection now (tests; `hosts` commands may use it). */
export function closeMaster(stateDir: string, name: string, config: SshHost['config']): void {
  spawnSync('ssh', ['-o', `ControlPath=${controlPath({ name, config, controlDir: controlDir(stateDir) })}`, '-O', 'exit', 'flotilla-host'], { stdio: 'ignore' });
}
