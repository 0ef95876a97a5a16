import { rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PtyError, openNoFollow, type HostLayout, type RemoteHostPort, type RunResult } from '../core/index.js';
import { shellQuote } from '../core/index.js';
import { ensurePrivateDir } from '../fs/index.js';
import { PERL_LOG_WRITER } from './log-pipe.js';
import type { RuntimeSession, SpawnSpec } from './runtime.js';
import { tmuxArg } from './tmux-commands.js';
import { TmuxRuntime } from './tmux-runtime.js';
import { TmuxSession } from './tmux-session.js';
import { TMUX_CONF, target } from './tmux.js';

const LOG_POLL_MS = 1000;
/** Most bytes of new output read from one remote log per round (the rest is skipped, as locally). */
const LOG_CHUNK = 256 * 1024;

/**
 * Reads new bytes of several logs in one exec. Arguments: pairs of file and offset (-1: start at
 * the end). For each file: a line `<size> <from>`, then the bytes from..size (`-1 0` when missing).
 */
const READ_LOGS_SCRIPT = `while [ $# -ge 2 ]; do
f=$1; o=$2; shift 2
s=$(wc -c < "$f" 2>/dev/null) || { printf -- '-1 0\\n'; continue; }
s=$((s + 0))
if [ "$o" -lt 0 ]; then o=$s; elif [ "$o" -gt "$s" ]; then o=0; fi
if [ $((s - o)) -gt ${LOG_CHUNK} ]; then o=$((s - ${LOG_CHUNK})); fi
printf '%s %s\\n' "$s" "$o"
if [ "$s" -gt "$o" ]; then tail -c +$((o + 1)) "$f" | head -c $((s - o)); fi
done`;

/** SIGTERM to the group, up to 3 s for it to go, then SIGKILL. $1: the group id. */
const KILL_GROUP_SCRIPT = `kill -TERM -- -"$1" 2>/dev/null || exit 0
i=0
while kill -0 -- -"$1" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -- -"$1" 2>/dev/null
exit 0`;

/** The variables flotilla sets for an agent that the host should get (never this machine's own PATH, HOME, ...). */
export function remoteAgentEnv(env: Record<string, string>, local: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (k === 'PATH' || k === 'HOME' || k === 'PWD' || k === 'SHELL' || k === 'USER' || k === 'LOGNAME' || k === 'TMPDIR') continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) continue;
    if (local[k] === v && !k.startsWith('FLOTILLA_')) continue;
    out[k] = v;
  }
  return out;
}

/** Parses READ_LOGS_SCRIPT output: per file the new bytes and the next offset, or null when missing. */
export function parseLogChunks(out: Buffer, count: number): Array<{ size: number; bytes: Buffer } | null> {
  const result: Array<{ size: number; bytes: Buffer } | null> = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const nl = out.indexOf(0x0a, at);
    if (nl < 0) break;
    const [size, from] = out.subarray(at, nl).toString('latin1').split(' ').map(Number);
    at = nl + 1;
    if (size === undefined || from === undefined || !Number.isInteger(size) || !Number.isInteger(from) || size < 0) {
      result.push(null);
      continue;
    }
    const n = Math.max(0, size - from);
    result.push({ size, bytes: out.subarray(at, at + n) });
    at += n;
  }
  return result;
}

interface Followed {
  remoteLog: string;
  localLog: string;
  /** Next byte of the remote log to copy; -1: start at its end (an adopted session). */
  offset: number;
  maxBytes: number;
}

/**
 * Agents in a private tmux server on a remote host (`tmux -S <host state>/tmux`), reached over the
 * host's one SSH connection. The pane's output is logged on the host and copied, one exec per host
 * per second for all its sessions, into the attempt's local log, so status, the last screen and
 * `capture` work as for local tmux sessions. `attach` and the live pane are `ssh -t ... tmux attach`.
 */
export class RemoteTmuxRuntime extends TmuxRuntime {
  private readonly followed = new Map<string, Followed>();
  private logTimer: NodeJS.Timeout | null = null;
  private reading = false;
  private confWritten = false;

  constructor(readonly host: RemoteHostPort) {
    super(host.runner, { repoRoot: '/', stateDir: '/', socket: `host:${host.name}` });
  }

  private layout(): Promise<HostLayout> {
    return this.host.layout();
  }

  protected override async runTmux(args: string[]): Promise<RunResult> {
    const { tmuxSocket, tmuxConf } = await this.layout();
    // -u: UTF-8 whatever the host's locale (without it tmux writes the tabs of -F formats as _).
    return this.host.runner.run('tmux', ['-u', '-S', tmuxSocket, '-f', tmuxConf, ...args], { timeoutMs: 20_000 });
  }

  attachArgv(name: string): string[] {
    // The layout is known once any session was started or followed (attach needs one).
    const socket = this.socketPath ?? '';
    return this.host.ttyArgv(['env', 'TERM=xterm-256color', 'tmux', '-u', '-S', socket, 'attach-session', '-t', `=${name}`]);
  }

  async killGroup(pid: number): Promise<void> {
    await this.host.runner.run('sh', ['-c', KILL_GROUP_SCRIPT, 'sh', String(pid)], { timeoutMs: 15_000 });
  }

  private socketPath: string | null = null;

  private async ready(): Promise<HostLayout> {
    const layout = await this.layout();
    this.socketPath = layout.tmuxSocket;
    if (!this.confWritten) {
      const r = await this.host.runner.run('sh', ['-c', 'umask 077; cat > "$1"', 'sh', layout.tmuxConf], { input: TMUX_CONF, timeoutMs: 20_000 });
      if (r.exitCode !== 0) throw new PtyError(`host ${this.host.name}: cannot write ${layout.tmuxConf}: ${(r.error ?? r.stderr).trim()}`);
      this.confWritten = true;
    }
    return layout;
  }

  override async spawn(spec: SpawnSpec): Promise<RuntimeSession> {
    const layout = await this.ready();
    const name = spec.taskId;
    const t = target(name);
    const where = `host ${this.host.name}`;
    await this.tmux(['kill-session', '-t', `=${name}`]);
    const created = await this.tmux(['new-session', '-d', '-s', name, '-x', String(spec.cols), '-y', String(spec.rows), '-c', spec.cwd, '--', 'cat']);
    if (created.exitCode !== 0) {
      const why = created.exitCode === 127 ? 'tmux is not installed there' : (created.error ?? created.stderr).trim();
      throw new PtyError(`${where}: tmux new-session ${name} failed: ${why}`);
    }
    const remoteLog = `${layout.logDir}/${name}-a${spec.attempt}.log`;
    const pidFile = `${remoteLog}.pid`;
    const envFile = `${layout.stateDir}/${name}-a${spec.attempt}.env`;
    // A fresh log per start; the writer is perl when the host has it (capped, rotated), else cat.
    const writer = `if command -v perl >/dev/null 2>&1; then exec perl -e ${shellQuote(PERL_LOG_WRITER)} ${[remoteLog, String(spec.logMaxBytes), String(spec.logKeep), pidFile].map(shellQuote).join(' ')}; else exec cat >> ${shellQuote(remoteLog)}; fi`;
    await this.host.runner.run('rm', ['-f', '--', remoteLog, pidFile], { timeoutMs: 20_000 });
    await this.tmux(['pipe-pane', '-o', '-t', t, writer]);
    // Values (tokens among them) go through a 0600 file the pane's shell reads and removes, never a command line.
    const env = remoteAgentEnv(spec.env);
    const exports = Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join('');
    const wrote = await this.host.runner.run('sh', ['-c', 'umask 077; cat > "$1"', 'sh', envFile], { input: exports, timeoutMs: 20_000 });
    if (wrote.exitCode !== 0) {
      await this.tmux(['kill-session', '-t', `=${name}`]);
      throw new PtyError(`${where}: cannot write ${envFile}: ${(wrote.error ?? wrote.stderr).trim()}`);
    }
    const command = ['sh', '-c', '. "$0" && rm -f -- "$0" && exec "$@"', envFile, ...spec.argv].map(tmuxArg);
    const respawn = await this.tmux(['respawn-pane', '-k', '-t', t, '-c', spec.cwd, '--', ...command]);
    if (respawn.exitCode !== 0) {
      await this.tmux(['kill-session', '-t', `=${name}`]);
      throw new PtyError(`${where}: tmux could not start ${spec.argv[0]} in session ${name}: ${respawn.stderr.trim()}`);
    }
    const row = (await this.panes()).find((p) => p.name === name);
    if (row?.pid) await this.host.runner.run('sh', ['-c', 'umask 077; printf "%s\\n" "$2" > "$1"', 'sh', pidFile, String(row.pid)], { timeoutMs: 20_000 });
    await ensurePrivateDir(dirname(spec.logFile));
    this.followLog(name, { remoteLog, localLog: spec.logFile, offset: 0, maxBytes: spec.logMaxBytes });
    const session = new TmuxSession(this, name, row?.pid ?? null, spec.logFile);
    session.onExit(() => this.sessions.delete(name));
    this.sessions.set(name, session);
    this.startPoller();
    return session;
  }

  override async follow(name: string, spec: Pick<SpawnSpec, 'logFile'> & { attempt?: number }): Promise<RuntimeSession | null> {
    const layout = await this.ready();
    const session = await super.follow(name, spec);
    if (session && spec.attempt !== undefined && !this.followed.has(name)) {
      this.followLog(name, { remoteLog: `${layout.logDir}/${name}-a${spec.attempt}.log`, localLog: spec.logFile, offset: -1, maxBytes: 5 * 1024 * 1024 });
    }
    return session;
  }

  private followLog(name: string, f: Followed): void {
    this.followed.set(name, f);
    if (this.logTimer) return;
    this.logTimer = setInterval(() => void this.copyLogs().catch(() => undefined), LOG_POLL_MS);
    this.logTimer.unref?.();
  }

  /** One exec for every followed session on this host: new remote log bytes appended to the local logs. */
  async copyLogs(): Promise<void> {
    if (this.reading || this.followed.size === 0) return;
    this.reading = true;
    try {
      const list = [...this.followed.entries()];
      const args = list.flatMap(([, f]) => [f.remoteLog, String(f.offset)]);
      const r = await this.host.readBytes(['sh', '-c', READ_LOGS_SCRIPT, 'sh', ...args]);
      if (r.exitCode !== 0) return;
      const chunks = parseLogChunks(r.stdout, list.length);
      for (const [i, [name, f]] of list.entries()) {
        const c = chunks[i];
        if (!c) continue;
        f.offset = c.size;
        if (c.bytes.length) await appendCapped(f.localLog, c.bytes, f.maxBytes);
        const session = this.sessions.get(name);
        if (!session) this.followed.delete(name);
      }
    } finally {
      this.reading = false;
    }
  }

  override async close(options: { killSessions?: boolean } = {}): Promise<void> {
    await this.copyLogs().catch(() => undefined);
    if (this.logTimer) clearInterval(this.logTimer);
    this.logTimer = null;
    this.followed.clear();
    await super.close(options);
  }
}

/** Appends to a local log (0600), moving it to `.1` once past `maxBytes`. */
async function appendCapped(file: string, bytes: Buffer, maxBytes: number): Promise<void> {
  try {
    if ((await stat(file)).size + bytes.length > maxBytes) await rename(file, `${file}.1`);
  } catch {
    // not there yet
  }
  const handle = await openNoFollow(file, 'a'); // never through a symlink planted at the log
  try {
    await handle.write(bytes);
  } finally {
    await handle.close();
  }
}
