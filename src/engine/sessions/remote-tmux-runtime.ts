import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, renameSync, statSync, writeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PtyError, openNoFollow, openNoFollowSync, type HostLayout, type RemoteHostPort, type RunResult } from '../core/index.js';
import { CAPTURE_BATCH_MS } from './capture-batch.js';
import { shellQuote } from '../core/index.js';
import { ensurePrivateDir, writeFileAtomic } from '../fs/index.js';
import { hostHookFiles, hostHookScript } from './host-hooks.js';
import { PERL_LOG_WRITER } from './log-pipe.js';
import type { RuntimeSession, SpawnSpec } from './runtime.js';
import { tmuxArg } from './tmux-commands.js';
import { TmuxRuntime } from './tmux-runtime.js';
import { TmuxSession } from './tmux-session.js';
import { PANE_FORMAT, parsePaneRows, TMUX_CONF, type PaneRow } from './tmux.js';

const LOG_POLL_MS = 1000;
/** Most bytes of new output read from one remote log per round (the rest is skipped, as locally). */
const LOG_CHUNK = 256 * 1024;

/**
 * Reads new bytes of several logs in one exec. Arguments: pairs of file and offset (-1: start at
 * the end). For each file: a line `<size> <from> <age>`, then the bytes from..size (`-1 0` when
 * missing). `<age>`: seconds since the file last changed, by the host's own clock (left out when
 * the host cannot say): how long the agent has been quiet, which the local copy's mtime cannot
 * tell when no process copied while it printed. This is the POSIX shell way (five processes a
 * file, `stat` as GNU, busybox or BSD spell it); READ_LOGS_SCRIPT uses perl when the host has it.
 */
export const READ_LOGS_SH = `while [ $# -ge 2 ]; do
f=$1; o=$2; shift 2
s=$(wc -c < "$f" 2>/dev/null) || { printf -- '-1 0\\n'; continue; }
s=$((s + 0))
if [ "$o" -lt 0 ]; then o=$s; elif [ "$o" -gt "$s" ]; then o=0; fi
if [ $((s - o)) -gt ${LOG_CHUNK} ]; then o=$((s - ${LOG_CHUNK})); fi
m=$(stat -c %Y -- "$f" 2>/dev/null || stat -f %m -- "$f" 2>/dev/null); n=$(date +%s 2>/dev/null)
case "$m:$n" in *[!0-9:]*|:*|*:) a= ;; *) a=" $((n - m))" ;; esac
printf '%s %s%s\\n' "$s" "$o" "$a"
if [ "$s" -gt "$o" ]; then tail -c +$((o + 1)) "$f" | head -c $((s - o)); fi
done`;

/**
 * READ_LOGS_SH's work and output in one perl process for all the files (a round every second on a
 * host with many agents started three processes per agent). The size is taken from the open file,
 * and the bytes read from it: a log renamed away meanwhile (rotation) still gives what was announced.
 * A FIFO or anything not a plain file counts as missing (never a read that blocks). No module is
 * loaded (strict, warnings and Fcntl tripled perl's start, paid by every host every second).
 */
export const READ_LOGS_PERL = String.raw`
binmode STDOUT;
while (@ARGV >= 2) {
  my ($f, $o) = splice(@ARGV, 0, 2);
  my $fh;
  unless (-f $f && open($fh, '<', $f) && -f $fh) { close $fh if $fh; print "-1 0\n"; next }
  binmode $fh;
  my $s = -s $fh || 0;
  $o = $s if $o !~ /^\d+$/;
  $o = 0 if $o > $s;
  $o = $s - ${LOG_CHUNK} if $s - $o > ${LOG_CHUNK};
  my $age = time - (stat $fh)[9];
  print "$s $o $age\n";
  my $left = $s - $o;
  sysseek($fh, $o, 0) if $left > 0;
  while ($left > 0) {
    my $n = sysread($fh, my $buf, $left > 65536 ? 65536 : $left);
    if (!$n) { print "\0" x $left; last }
    print $buf; $left -= $n;
  }
  close $fh;
}`;

export const READ_LOGS_SCRIPT = `if command -v perl >/dev/null 2>&1; then exec perl -e ${shellQuote(READ_LOGS_PERL)} -- "$@"; fi
${READ_LOGS_SH}`;

/**
 * The log copy's exec also lists the host's panes (the poller's list-panes, folded in) and runs the
 * screen reads asked for since the last round (one exec per host per second for all of it).
 * Arguments: tmux socket, pane format, a mark (random per round), the number of reads, per read
 * its argument count and its `capture-pane` arguments, then READ_LOGS_SCRIPT's pairs. Prints
 * `panes <n>` and the n pane rows (`panes 0` when no server runs; `panes -` when tmux could not
 * say); per read its output then `\n<mark> <i> <exit status>\n` (on stderr: what tmux said, then
 * `\n<mark> <i>\n`); then READ_LOGS_SCRIPT's output. The reads' arguments reach tmux as
 * positional parameters (eval sees only `"\${3}"`-like references, never their text).
 */
export const LOG_ROUND_SCRIPT = `S=$1 F=$2 M=$3 NC=$4
shift 4
r=$(tmux -u -S "$S" list-panes -a -F "$F" 2>&1); st=$?
if [ $st -eq 0 ]; then printf '%s\\n' "$r" | awk 'NF { n++; l[n] = $0 } END { print "panes " n + 0; for (i = 1; i <= n; i++) print l[i] }'
else case $r in *"no server running"*|*"error connecting"*|*"no sessions"*) echo 'panes 0' ;; *) echo 'panes -' ;; esac; fi
i=0
while [ "$i" -lt "$NC" ]; do
n=$1; shift
a=; k=1; while [ "$k" -le "$n" ]; do a="$a \\\"\\\${$k}\\\""; k=$((k + 1)); done
eval "tmux -u -S \\\"\\\$S\\\" capture-pane $a"; st=$?
shift "$n"
printf '\\n%s %s %s\\n' "$M" "$i" "$st"; printf '\\n%s %s\\n' "$M" "$i" >&2
i=$((i + 1))
done
${READ_LOGS_SCRIPT}`;

/**
 * The screen reads of a round (LOG_ROUND_SCRIPT's capture section), one per read: its bytes (as
 * `capture-pane` printed them), tmux's exit status and what it said on stderr; null where the
 * output stops before that read's mark (the exec failed). `rest`: the output after the section.
 */
export function parseCaptures(stdout: Buffer, stderr: string, mark: string, count: number): { reads: Array<{ exitCode: number; stdout: string; stderr: string } | null>; rest: Buffer } {
  const reads: Array<{ exitCode: number; stdout: string; stderr: string } | null> = [];
  const errs = stderr.split(new RegExp(`\\n${mark} \\d+\\n`));
  let at = 0;
  for (let i = 0; i < count; i++) {
    const tag = Buffer.from(`\n${mark} ${i} `);
    const end = stdout.indexOf(tag, at);
    const nl = end < 0 ? -1 : stdout.indexOf(0x0a, end + tag.length);
    const status = nl < 0 ? Number.NaN : Number(stdout.subarray(end + tag.length, nl).toString('latin1'));
    if (!Number.isInteger(status)) {
      for (; i < count; i++) reads.push(null);
      return { reads, rest: Buffer.alloc(0) };
    }
    reads.push({ exitCode: status, stdout: stdout.subarray(at, end).toString('utf8'), stderr: errs[i] ?? '' });
    at = nl + 1;
  }
  return { reads, rest: stdout.subarray(at) };
}

/** Splits LOG_ROUND_SCRIPT's output: the pane rows (null: tmux could not say) and the log chunks' bytes. */
export function parseLogRound(out: Buffer): { panes: PaneRow[] | null; rest: Buffer } {
  let nl = out.indexOf(0x0a);
  const head = /^panes (\d+|-)$/.exec(out.subarray(0, Math.max(0, nl)).toString('utf8'));
  if (nl < 0 || !head) return { panes: null, rest: Buffer.alloc(0) };
  if (head[1] === '-') return { panes: null, rest: out.subarray(nl + 1) };
  let at = nl + 1;
  const lines: string[] = [];
  for (let i = 0; i < Number(head[1]); i++) {
    nl = out.indexOf(0x0a, at);
    if (nl < 0) return { panes: null, rest: Buffer.alloc(0) };
    lines.push(out.subarray(at, nl).toString('utf8'));
    at = nl + 1;
  }
  return { panes: parsePaneRows(lines.join('\n')), rest: out.subarray(at) };
}

/**
 * Starts one agent in the host's tmux server. Arguments: socket, config, session name, columns,
 * rows, folder, log, pid file, env file, log writer command; then the hook setup (host-hooks.ts):
 * hook file, its version line, its text (empty: send only when the installed one differs), the
 * hooks folder, the attempt's events file, gate spec file, gate spec text (empty: none), Claude
 * Code's config file to trust the worktree's folder in ("-": do not; empty: $HOME/.claude.json);
 * then flotilla's tmux.conf text (written when the file there differs); then the agent's argv. The env file's content comes on stdin. Prints the agent's pid.
 * Exit 127: no tmux; 4: no session; 5: no agent; 6: the hook file there is not this version and
 * its text was not sent; 7: the hook files could not be written.
 */
const SPAWN_SCRIPT = `command -v tmux >/dev/null 2>&1 || exit 127
S=$1 C=$2 N=$3 X=$4 Y=$5 D=$6 L=$7 P=$8 E=$9 W=\${10}
H=\${11} HV=\${12} HS=\${13} HD=\${14} EV=\${15} G=\${16} GS=\${17} TC=\${18} CT=\${19}
shift 19
umask 077
mkdir -p -- "\${L%/*}" || exit 3
if [ "$(cat -- "$C" 2>/dev/null)" != "$CT" ]; then { rm -f -- "$C.new.$$" && printf '%s\\n' "$CT" > "$C.new.$$" && mv -f -- "$C.new.$$" "$C"; } || exit 3; fi
if [ -n "$H" ]; then
if [ -L "$H" ] || [ "$(sed -n 2p "$H" 2>/dev/null)" != "$HV" ]; then
[ -n "$HS" ] || exit 6
{ rm -f -- "$H.new.$$" && printf '%s' "$HS" > "$H.new.$$" && chmod 700 "$H.new.$$" && mv -f -- "$H.new.$$" "$H"; } || exit 7
fi
{ mkdir -p -- "$HD" && [ ! -L "$HD" ] && rm -f -- "$EV" && : > "$EV"; } || exit 7
if [ -n "$GS" ]; then { rm -f -- "$G.new.$$" && printf '%s' "$GS" > "$G.new.$$" && mv -f -- "$G.new.$$" "$G"; } || exit 7; fi
if [ "$TC" != - ]; then tf=$(cd -P -- "$D/.." 2>/dev/null && pwd -P) && sh "$H" trust-claude "\${TC:-$HOME/.claude.json}" "$tf" >/dev/null 2>&1; fi
fi
cat > "$E" || exit 3
rm -f -- "$L" "$P"
t() { tmux -u -S "$S" -f "$C" "$@"; }
t kill-session -t "=$N" 2>/dev/null
t new-session -d -s "$N" -x "$X" -y "$Y" -c "$D" -- cat 2>/dev/null || { sleep 0.3; t new-session -d -s "$N" -x "$X" -y "$Y" -c "$D" -- cat; } || exit 4
t pipe-pane -o -t "=$N:" "$W"
t respawn-pane -k -t "=$N:" -c "$D" -- sh -c '. "$0" && rm -f -- "$0" && exec "$@"' "$E" "$@" || { t kill-session -t "=$N"; exit 5; }
pid=$(t list-panes -t "=$N" -F '#{pane_pid}' | head -n 1)
printf '%s\\n' "$pid" > "$P"
printf '%s\\n' "$pid"`;

/**
 * SIGTERM to the group, up to 3 s for it to go, then SIGKILL; then a SIGCHLD to the tmux server so
 * it reaps the agent (tmux can miss the one the kernel sent while it was starting a pane, and the
 * agent would stay a zombie). $1: the group id, $2: the tmux socket.
 */
const KILL_GROUP_SCRIPT = `if kill -TERM -- -"$1" 2>/dev/null; then
i=0
while kill -0 -- -"$1" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
kill -KILL -- -"$1" 2>/dev/null
fi
sp=$(tmux -u -S "$2" display-message -p '#{pid}' 2>/dev/null) && [ "$sp" -gt 1 ] 2>/dev/null && kill -CHLD "$sp" 2>/dev/null
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

/** A file's part of READ_LOGS_SCRIPT's output: its size, the new bytes, and how long ago (ms) it last changed when the host said. */
export interface LogChunk {
  size: number;
  bytes: Buffer;
  ageMs?: number;
}

/** Parses READ_LOGS_SCRIPT output: per file the new bytes and the next offset, or null when missing. */
export function parseLogChunks(out: Buffer, count: number): Array<LogChunk | null> {
  const result: Array<LogChunk | null> = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const nl = out.indexOf(0x0a, at);
    if (nl < 0) break;
    const [size, from, age] = out.subarray(at, nl).toString('latin1').split(' ').map(Number);
    at = nl + 1;
    if (size === undefined || from === undefined || !Number.isInteger(size) || !Number.isInteger(from) || size < 0) {
      result.push(null);
      continue;
    }
    const n = Math.max(0, size - from);
    // A clock that stepped back since the write gives a negative age: just written.
    const ageMs = age !== undefined && Number.isInteger(age) ? Math.max(0, age) * 1000 : undefined;
    result.push({ size, bytes: out.subarray(at, at + n), ...(ageMs !== undefined ? { ageMs } : {}) });
    at += n;
  }
  return result;
}

interface Followed {
  remoteLog: string;
  localLog: string;
  /** The local log, kept open while followed (made on the first bytes). */
  out?: LocalLog;
  /** Next byte of the remote log to copy; -1: start at its end (an adopted session). */
  offset: number;
  maxBytes: number;
  attempt?: number;
  /** Hook events recorded on the host, copied (whole lines) into the task's local events file. */
  events?: { remote: string; local: string; offsetFile: string; offset: number };
  /** The stop gate's blocks on the host: one line each. */
  blocks?: { remote: string; offset: number; count: number };
  /** The remote log's age by the host's clock at the last round that read it, and when that was (this machine's clock). */
  age?: { ms: number; at: number; printed: boolean };
}

export interface RemoteTmuxOptions {
  /** The stop gate on the host blocked `count` stops of this attempt so far (attempt.stopGateBlocks). */
  onGateBlocks?: (taskId: string, attempt: number, count: number) => Promise<void>;
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
  private round: Promise<void> | null = null;
  /** Screen reads waiting for the next round (they ride in its exec). */
  private captureQueue: Array<{ args: string[]; resolve: (r: RunResult) => void }> = [];
  private captureTimer: NodeJS.Timeout | null = null;
  /** The hook file version known to be on the host (its text is sent again only when it is not). */
  private hookInstalled: string | null = null;

  constructor(
    readonly host: RemoteHostPort,
    private readonly options: RemoteTmuxOptions = {},
  ) {
    super(host.runner, { repoRoot: '/', stateDir: '/', socket: `host:${host.name}` });
  }

  protected override get serverIsLocal(): boolean {
    return false;
  }

  private layout(): Promise<HostLayout> {
    return this.host.layout();
  }

  /**
   * A tmux command on the host's server, in the host's channel (hosts/channel.ts): a resize, a
   * key sent, the adoption's pane list start no ssh process here nor a login shell there.
   */
  protected override async runTmux(args: string[]): Promise<RunResult> {
    const { tmuxSocket, tmuxConf } = await this.layout();
    // -u: UTF-8 whatever the host's locale (without it tmux writes the tabs of -F formats as _).
    const r = await this.host.readBytes(['tmux', '-u', '-S', tmuxSocket, '-f', tmuxConf, ...args], { timeoutMs: 20_000 });
    return { exitCode: r.exitCode, stdout: r.stdout.toString('utf8'), stderr: r.stderr, timedOut: r.exitCode === null, failed: r.exitCode !== 0, notFound: false };
  }

  attachArgv(name: string): string[] {
    // The layout is known once any session was started or followed (attach needs one).
    const socket = this.socketPath ?? '';
    return this.host.ttyArgv(['env', 'TERM=xterm-256color', 'tmux', '-u', '-S', socket, 'attach-session', '-t', `=${name}`]);
  }

  async killGroup(pid: number): Promise<void> {
    const { tmuxSocket } = await this.layout();
    await this.host.runner.run('sh', ['-c', KILL_GROUP_SCRIPT, 'sh', String(pid), tmuxSocket], { timeoutMs: 15_000 });
  }

  private socketPath: string | null = null;

  private async ready(): Promise<HostLayout> {
    const layout = await this.layout();
    this.socketPath = layout.tmuxSocket;
    return layout;
  }

  override async spawn(spec: SpawnSpec): Promise<RuntimeSession> {
    const layout = await this.ready();
    const name = spec.taskId;
    const remoteLog = `${layout.logDir}/${name}-a${spec.attempt}.log`;
    const pidFile = `${remoteLog}.pid`;
    const envFile = `${layout.stateDir}/${name}-a${spec.attempt}.env`;
    // A fresh log per start; the writer is perl when the host has it (capped, rotated), else cat.
    const writer = `if command -v perl >/dev/null 2>&1; then exec perl -e ${shellQuote(PERL_LOG_WRITER)} ${[remoteLog, String(spec.logMaxBytes), String(spec.logKeep), pidFile].map(shellQuote).join(' ')}; else exec cat >> ${shellQuote(remoteLog)}; fi`;
    // Values (tokens among them) go through a 0600 file the pane's shell reads and removes, never a command line.
    const exports = Object.entries(remoteAgentEnv(spec.env)).map(([k, v]) => `export ${k}=${shellQuote(v)}\n`).join('');
    const hooks = spec.hostHooks;
    const script = hostHookScript();
    const hookArgs = (sendText: boolean) =>
      hooks
        ? [hooks.files.script, script.version, sendText ? script.text : '', hooks.files.dir, hooks.files.events, hooks.files.gateSpec, hooks.gateSpec ?? '', hooks.trustClaude ?? '-']
        : ['', '', '', '', '', '', '', '-'];
    const base = [layout.tmuxSocket, layout.tmuxConf, name, String(spec.cols), String(spec.rows), spec.cwd, remoteLog, pidFile, envFile, writer];
    const run = (sendText: boolean) =>
      this.host.runner.run('sh', ['-c', SPAWN_SCRIPT, 'sh', ...base, ...hookArgs(sendText), TMUX_CONF.replace(/\n+$/, ''), ...spec.argv.map(tmuxArg)], { input: exports, timeoutMs: 60_000 });
    // One exec for the whole start (each exec over a loaded connection costs); the hook file's
    // text goes along only when this process has not seen that version there yet.
    let r = await run(this.hookInstalled !== script.version);
    if (r.exitCode === 6) r = await run(true);
    this.invalidatePanes();
    const where = `host ${this.host.name}`;
    if (r.exitCode !== 0) {
      const why = (r.error ?? r.stderr).trim().split('\n').at(-1) ?? '';
      if (r.exitCode === 127) throw new PtyError(`${where}: tmux is not installed there`);
      if (r.exitCode === 4) throw new PtyError(`${where}: tmux new-session ${name} failed: ${why}`);
      if (r.exitCode === 5) throw new PtyError(`${where}: tmux could not start ${spec.argv[0]} in session ${name}: ${why}`);
      if (r.exitCode === 7) throw new PtyError(`${where}: cannot write flotilla's hook files in ${hooks?.files.dir ?? layout.stateDir}: ${why || 'a link or no room there'}`);
      throw new PtyError(`${where}: cannot start session ${name}: ${why || `exit ${r.exitCode}`}`);
    }
    if (hooks) this.hookInstalled = script.version;
    const pid = Number.parseInt(r.stdout.trim(), 10);
    await ensurePrivateDir(dirname(spec.logFile));
    const events = hooks && spec.eventsFile ? { remote: hooks.files.events, local: spec.eventsFile, offsetFile: eventsOffsetFile(spec.eventsFile, spec.attempt), offset: 0 } : undefined;
    // The host's events file starts empty: so does what was copied of it.
    if (events) await writeFileAtomic(events.offsetFile, '0\n');
    this.followLog(name, {
      remoteLog,
      localLog: spec.logFile,
      offset: 0,
      maxBytes: spec.logMaxBytes,
      attempt: spec.attempt,
      ...(events ? { events } : {}),
      ...(hooks ? { blocks: { remote: hooks.files.blocks, offset: 0, count: 0 } } : {}),
    });
    const session = new TmuxSession(this, name, Number.isInteger(pid) && pid > 0 ? pid : null, spec.logFile);
    session.onExit(() => this.sessions.delete(name));
    this.sessions.set(name, session);
    this.startPoller();
    return session;
  }

  override async follow(name: string, spec: Pick<SpawnSpec, 'logFile' | 'eventsFile'> & { attempt?: number }): Promise<RuntimeSession | null> {
    const layout = await this.ready();
    const session = await super.follow(name, spec);
    if (session && spec.attempt !== undefined && !this.followed.has(name)) {
      const files = hostHookFiles(layout.stateDir, name, spec.attempt);
      const offsetFile = spec.eventsFile ? eventsOffsetFile(spec.eventsFile, spec.attempt) : null;
      this.followLog(name, {
        remoteLog: `${layout.logDir}/${name}-a${spec.attempt}.log`,
        localLog: spec.logFile,
        offset: -1,
        maxBytes: 5 * 1024 * 1024,
        attempt: spec.attempt,
        // Events go on from what any flotilla process copied so far (all of them when none did).
        ...(spec.eventsFile && offsetFile ? { events: { remote: files.events, local: spec.eventsFile, offsetFile, offset: await readOffset(offsetFile) } } : {}),
        blocks: { remote: files.blocks, offset: 0, count: 0 },
      });
      // Hook events recorded while nobody followed count at once (a one-shot `flotilla check`).
      if (spec.eventsFile) await this.freshRound().catch(() => undefined);
    }
    return session;
  }

  /**
   * How long the remote log of a followed session has not changed, by the host's clock as of the
   * last round that read it (undefined before one did, when the host could not say, or while the
   * agent has printed nothing: its log is empty, as a local agent's is missing). The local
   * copy's mtime is when some process copied, not when the agent printed: a one-shot `check`
   * adopting an agent that printed while no process followed it would find no local log at all.
   */
  outputAgeMs(name: string): number | undefined {
    const age = this.followed.get(name)?.age;
    return age?.printed ? age.ms + Math.max(0, Date.now() - age.at) : undefined;
  }

  /** The remote log's age as the last round that got through read it (no guess for the time since). */
  lastLogAgeMs(name: string): number | undefined {
    return this.followed.get(name)?.age?.ms;
  }

  private followLog(name: string, f: Followed): void {
    this.followed.get(name)?.out?.close();
    this.followed.set(name, f);
    this.startLogTimer();
  }

  private startLogTimer(): void {
    if (this.logTimer) return;
    this.logTimer = setInterval(() => void this.copyLogs().catch(() => undefined), LOG_POLL_MS);
    this.logTimer.unref?.();
  }

  /**
   * `tmux capture-pane <args>` in the next log copy round's exec (no exec of its own): the view's
   * screen checks cost nothing more per host than the round it makes each second anyway. When no
   * round comes each second (nothing followed: a one-shot `capture`), one starts at once. The
   * timer here is not unref'd (the round timer is): a one-shot process waiting for its read stays
   * alive until a round answers it, and it makes that round itself if none came.
   */
  override capturePane(args: string[]): Promise<RunResult> {
    return new Promise((resolve) => {
      this.captureQueue.push({ args, resolve });
      if (!this.captureTimer) {
        this.captureTimer = setTimeout(
          () => {
            this.captureTimer = null;
            if (this.captureQueue.length) void this.freshRound().catch(() => undefined);
          },
          this.logTimer ? LOG_POLL_MS + 100 : CAPTURE_BATCH_MS,
        );
      }
    });
  }

  /**
   * No list-panes of its own every second: the log copy's exec lists the panes, and the sessions
   * are settled from that list (one exec per host per second for both).
   */
  protected override startPoller(): void {
    this.startLogTimer();
  }

  /**
   * One exec for every followed session on this host: new remote log bytes appended to the local
   * logs, new hook events (whole lines) to the local events files, and the stop gate's block counts.
   */
  copyLogs(): Promise<void> {
    // A round under way is shared (the poller); `follow` waits for it and makes its own.
    this.round ??= this.copyRound().finally(() => (this.round = null));
    return this.round;
  }

  private pending: Promise<void> | null = null;

  /**
   * A round that starts after this call: sessions followed together (adoption follows them side by
   * side) share one, where each used to wait for the last and then make its own.
   */
  private freshRound(): Promise<void> {
    this.pending ??= (this.round ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        this.pending = null;
        return this.copyLogs();
      });
    return this.pending;
  }

  private async copyRound(): Promise<void> {
    const reads = this.captureQueue;
    this.captureQueue = [];
    if (reads.length && this.captureTimer) {
      clearTimeout(this.captureTimer);
      this.captureTimer = null;
    }
    try {
      await this.roundWith(reads);
    } finally {
      // Reads the round did not answer (it failed before running them) fail, each on its own.
      for (const read of reads) read.resolve({ exitCode: 1, failed: true, stdout: '', stderr: `host ${this.host.name}: the screen read did not run`, timedOut: false, notFound: false });
    }
  }

  private async roundWith(reads: Array<{ args: string[]; resolve: (r: RunResult) => void }>): Promise<void> {
    if (this.followed.size === 0 && this.sessions.size === 0 && reads.length === 0) return;
    const list = [...this.followed.entries()];
    const files = list.flatMap(([name, f]) => [
      { kind: 'log' as const, name, f, args: [f.remoteLog, String(f.offset)] },
      ...(f.events ? [{ kind: 'events' as const, name, f, args: [f.events.remote, String(f.events.offset)] }] : []),
      ...(f.blocks ? [{ kind: 'blocks' as const, name, f, args: [f.blocks.remote, String(f.blocks.offset)] }] : []),
    ]);
    const { tmuxSocket } = await this.layout();
    const mark = `flotilla-read-${randomBytes(8).toString('hex')}`;
    const r = await this.host.readBytes([
      'sh', '-c', LOG_ROUND_SCRIPT, 'sh', tmuxSocket, PANE_FORMAT, mark, String(reads.length),
      ...reads.flatMap((x) => [String(x.args.length), ...x.args]),
      ...files.flatMap((x) => x.args),
    ]);
    const { panes, rest: afterPanes } = parseLogRound(r.stdout);
    const { reads: answers, rest } = parseCaptures(afterPanes, r.stderr, mark, reads.length);
    for (const [i, answer] of answers.entries()) {
      if (answer) reads[i]!.resolve({ ...answer, stderr: answer.stderr.trim(), failed: answer.exitCode !== 0, timedOut: false, notFound: false });
      else reads[i]!.resolve({ exitCode: r.exitCode, failed: true, stdout: '', stderr: r.stderr.trim() || `host ${this.host.name}: the screen read did not run`, timedOut: false, notFound: false });
    }
    if (r.exitCode !== 0) return;
    if (panes) {
      // The sessions' exits are settled from this list, as the poller would from its own.
      this.offerPanes(panes);
      await this.poll();
    }
    const chunks = parseLogChunks(rest, files.length);
    for (const [i, { kind, name, f }] of files.entries()) {
      const c = chunks[i];
      if (!c) continue;
      if (kind === 'log') {
        f.offset = c.size;
        if (c.bytes.length) (f.out ??= new LocalLog(f.localLog, f.maxBytes)).append(c.bytes);
        if (c.ageMs !== undefined) f.age = { ms: c.ageMs, at: Date.now(), printed: c.size > 0 };
      } else if (kind === 'events' && f.events) {
        await this.copyEvents(f.events, c);
      } else if (kind === 'blocks' && f.blocks) {
        // One line per block; a file read again from its start (it was replaced) is counted again.
        if (c.size - c.bytes.length < f.blocks.offset) f.blocks.count = 0;
        f.blocks.offset = c.size;
        const added = c.bytes.reduce((n, byte) => n + (byte === 0x0a ? 1 : 0), 0);
        if (added > 0 && f.attempt !== undefined) {
          f.blocks.count += added;
          await this.options.onGateBlocks?.(name, f.attempt, f.blocks.count).catch(() => undefined);
        }
      }
    }
    for (const [name, f] of list) {
      if (this.sessions.get(name) || this.followed.get(name) !== f) continue;
      this.followed.delete(name);
      f.out?.close();
    }
  }

  /** Appends the whole lines of a chunk of the host's events file to the local one; remembers how far. */
  private async copyEvents(events: NonNullable<Followed['events']>, c: { size: number; bytes: Buffer }): Promise<void> {
    let from = c.size - c.bytes.length;
    let bytes = c.bytes;
    if (bytes.length) {
      // Another flotilla process (the view and a `check`) may have copied some of these already:
      // asked only when events came (a read of the offset file per session per round before).
      const done = await readOffset(events.offsetFile);
      if (done > from && done <= c.size) {
        bytes = bytes.subarray(done - from);
        from = done;
      }
    }
    const end = bytes.lastIndexOf(0x0a) + 1;
    if (end === 0) {
      events.offset = from;
      return;
    }
    await ensurePrivateDir(dirname(events.local));
    const handle = await openNoFollow(events.local, 'a'); // never through a link planted there
    try {
      await handle.write(bytes.subarray(0, end));
    } finally {
      await handle.close();
    }
    events.offset = from + end;
    await writeFileAtomic(events.offsetFile, `${events.offset}\n`);
  }

  override async close(options: { killSessions?: boolean } = {}): Promise<void> {
    if (this.captureTimer) clearTimeout(this.captureTimer);
    this.captureTimer = null;
    await this.copyLogs().catch(() => undefined);
    if (this.logTimer) clearInterval(this.logTimer);
    this.logTimer = null;
    for (const f of this.followed.values()) f.out?.close();
    this.followed.clear();
    await super.close(options);
  }
}

/** Where this machine keeps how far the host's events file of an attempt was copied. */
function eventsOffsetFile(eventsFile: string, attempt: number): string {
  return join(dirname(eventsFile), `host-a${attempt}.offset`);
}

async function readOffset(file: string): Promise<number> {
  try {
    const n = Number.parseInt(await readFile(file, 'utf8'), 10);
    return Number.isInteger(n) && n >= 0 ? n : 0;
  } catch {
    return 0;
  }
}

/**
 * The local copy of a host's log (0600), moved to `.1` once past `maxBytes`. It stays open while
 * its session is followed: a round each second for every session opened, checked and closed it.
 * Synchronous calls on purpose (as the log reads of tmux-session.ts): a small append to a local
 * file takes microseconds, and the promise-based write cost a thread-pool trip each.
 */
class LocalLog {
  private fd: number | null = null;
  private size = 0;

  constructor(
    readonly file: string,
    private readonly maxBytes: number,
  ) {}

  append(bytes: Buffer): void {
    // Past the cap: closed here, moved to .1 just below (as a log found past it when opened).
    if (this.fd !== null && this.size + bytes.length > this.maxBytes) this.close();
    if (this.fd === null) {
      const st = statSync(this.file, { throwIfNoEntry: false });
      if (st && st.size + bytes.length > this.maxBytes) renameSync(this.file, `${this.file}.1`);
      const fd = openNoFollowSync(this.file, 'a'); // never through a symlink planted at the log
      this.fd = fd;
      this.size = fstatSync(fd).size;
    }
    for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at, bytes.length - at);
    this.size += bytes.length;
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
    this.fd = null;
  }
}
