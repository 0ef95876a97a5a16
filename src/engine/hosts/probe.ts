import { shellQuote } from './ssh.js';

/**
 * The one batched probe of a host: a single `sh -c` script, run once per host per pass over the
 * host's master connection (or locally for `local`), that prints the host's memory, which programs
 * it has (and their versions when asked), the state of every flotilla tmux session on it and the git
 * facts of every worktree there. One exec per host, never one per task: a host costs one SSH channel
 * per pass whatever its number of agents.
 *
 * The output is line based and strict: `flotilla-probe 1` first, `end` last, every line in between
 * one of the forms parseProbe knows. Anything else is refused with one line naming the host and the
 * line, so a login banner, a shell rc that prints, or a truncated answer never reads as "no agents".
 */

export const PROBE_HEADER = 'flotilla-probe 1';

const PROGRAM = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const SOCKET = /^[A-Za-z0-9_.-]{1,64}$/;

export interface ProbeRequest {
  /** Programs to look for on the host's PATH (git, tmux, the agent CLIs). */
  programs: readonly string[];
  /** Also print each program's version (slower: runs each one; `hosts` asks, a monitoring pass does not). */
  versions: boolean;
  /**
   * The flotilla tmux server whose sessions to list: a socket name (`tmux -L`), an absolute socket
   * path (`tmux -S`), or a path under the host's home written `~/…` (`tmux -S "$HOME"/…`, so a pass
   * needs no exec of its own to learn the home folder); none: no listing.
   */
  tmuxSocket?: string;
  /** Worktrees on the host whose git facts to read, by absolute path. */
  worktrees: readonly string[];
  /** The host's worktree root: checked to exist and be writable. */
  worktreeRoot?: string;
}

/** The program's version command: tmux takes -V, everything else --version. */
function versionCommand(program: string): string {
  return program === 'tmux' ? `tmux -V` : `${shellQuote(program)} --version`;
}

/** tmux's socket option for the script: `-L name`, `-S '/path'` or `-S "$HOME"/'path'`. */
function socketArgs(socket: string): string {
  if (socket.startsWith('~/')) return `-S "$HOME"/${shellQuote(socket.slice(2))}`;
  return `${socket.startsWith('/') ? '-S' : '-L'} ${shellQuote(socket)}`;
}

/**
 * The RSS of each live pane's process tree, from one `ps -A -o pid= -o ppid= -o rss=` (POSIX; no
 * /proc walk, no node): fed the pane rows, `--`, then ps's rows, it prints `rss <session> <kB>`
 * for each live pane whose process ps listed. Without a usable ps it prints nothing.
 */
const TREE_RSS_AWK = [
  '$0 == "--" { p = 1; next }',
  '!p { if ($2 ~ /^[0-9]+$/ && $3 == "0") root[$2] = $1; next }',
  'NF == 3 && $1 ~ /^[0-9]+$/ { up[$1] = $2; rss[$1] = $3 }',
  'END {',
  '  for (q in rss) { x = q; for (d = 0; d < 64 && !(x in root) && (x in up); d++) x = up[x]; if (x in root) sum[root[x]] += rss[q] }',
  '  for (r in root) if (r in rss) printf "rss %s %d\\n", root[r], sum[root[r]]',
  '}',
].join('\n');

/** Builds the probe script. Every value from config or the registry enters it single-quoted. */
export function probeScript(req: ProbeRequest): string {
  for (const p of req.programs) if (!PROGRAM.test(p)) throw new Error(`program name not allowed in a host probe: ${JSON.stringify(p)}`);
  if (req.tmuxSocket !== undefined && !SOCKET.test(req.tmuxSocket) && !(/^(\/|~\/)/.test(req.tmuxSocket) && !req.tmuxSocket.includes('\n'))) throw new Error(`tmux socket name not allowed: ${JSON.stringify(req.tmuxSocket)}`);
  for (const w of [...req.worktrees, ...(req.worktreeRoot ? [req.worktreeRoot] : [])]) {
    if (!w.startsWith('/') || w.includes('\n')) throw new Error(`worktree path not allowed in a host probe: ${JSON.stringify(w)}`);
  }
  const lines = [`echo ${shellQuote(PROBE_HEADER)}`];
  // Memory: Linux /proc/meminfo (kB). Elsewhere the host reports none and placement skips it.
  lines.push(
    `if [ -r /proc/meminfo ]; then awk '/^MemTotal:/{t=$2} /^MemAvailable:/{a=$2} END{printf "mem %d %d\\n", t, a}' /proc/meminfo; else echo 'mem - -'; fi`,
  );
  for (const p of req.programs) {
    const q = shellQuote(p);
    if (req.versions && p !== 'sh') {
      // First line of the version output, tabs and carriage returns made spaces; "?" when it printed nothing.
      lines.push(
        `if command -v ${q} >/dev/null 2>&1; then v=$(${versionCommand(p)} </dev/null 2>/dev/null | head -n 1 | tr '\\t\\r' '  '); printf 'prog %s %s\\n' ${q} "\${v:-?}"; else printf 'prog %s -\\n' ${q}; fi`,
      );
    } else {
      lines.push(`if command -v ${q} >/dev/null 2>&1; then printf 'prog %s +\\n' ${q}; else printf 'prog %s -\\n' ${q}; fi`);
    }
  }
  if (req.tmuxSocket !== undefined) {
    // Spaces, not tabs: without a UTF-8 locale (a non-interactive ssh session often has none) tmux
    // prints a tab in its output as "_". flotilla's session names are slugs, without spaces.
    const fmt = shellQuote('#{session_name} #{pane_pid} #{pane_dead} #{pane_dead_status}');
    lines.push(
      `if ! command -v tmux >/dev/null 2>&1; then echo 'tmux missing'; elif s=$(tmux ${socketArgs(req.tmuxSocket)} list-panes -a -F ${fmt} 2>&1); then echo 'tmux ok'; if [ -n "$s" ]; then printf '%s\\n' "$s" | awk '{print "sess " $0}'; { printf '%s\\n' "$s"; echo --; ps -A -o pid= -o ppid= -o rss= 2>/dev/null; } | awk ${shellQuote(TREE_RSS_AWK)}; fi; else case "$s" in *'no server running'*|*'error connecting'*|*'No such file'*|*'no sessions'*) echo 'tmux none';; *) echo 'tmux error';; esac; fi`,
    );
  }
  // Each worktree: a "wt <i>" line, then git's own porcelain v2 lines (read, counted, never shown),
  // or "wt <i> gone" / "wt <i> error". One git process per worktree and nothing else; optional
  // locks off, so a pass never takes the index lock from the agent working there.
  req.worktrees.forEach((w, i) => {
    const q = shellQuote(w);
    lines.push(`if [ ! -d ${q} ]; then echo 'wt ${i} gone'; else echo 'wt ${i}'; git --no-optional-locks -C ${q} status --porcelain=v2 --branch 2>/dev/null || echo 'wt ${i} error'; fi`);
  });
  if (req.worktreeRoot) {
    const q = shellQuote(req.worktreeRoot);
    lines.push(`if [ ! -d ${q} ]; then echo 'root missing'; elif [ -w ${q} ]; then echo 'root ok'; else echo 'root readonly'; fi`);
  }
  lines.push(`echo end`);
  return lines.join('\n');
}

export interface ProbeSession {
  name: string;
  pid: number | null;
  dead: boolean;
  exitCode: number | null;
  /** RSS of the pane's process tree (the agent and its children), MB; null when not measured (a dead pane, no ps). */
  rssMB: number | null;
}

export interface ProbeWorktree {
  path: string;
  /** gone: no such folder; error: git could not read it. */
  state: 'ok' | 'gone' | 'error';
  head: string | null;
  branch: string | null;
  /** Changed (tracked or untracked) paths. */
  changed: number;
  /** Those paths, as git status prints them (quoted when unusual). */
  dirty: string[];
}

/** The path of one changed-path line of `git status --porcelain=v2` (without -z). */
function changedPath(line: string): string {
  const words = line.split(' ');
  if (line.startsWith('1 ')) return words.slice(8).join(' ');
  if (line.startsWith('2 ')) return (words.slice(9).join(' ').split('\t')[0] ?? '');
  if (line.startsWith('u ')) return words.slice(10).join(' ');
  return line.slice(2);
}

export interface HostProbe {
  /** Null when the host does not report memory (no /proc/meminfo). */
  memory: { totalMB: number; availableMB: number } | null;
  /** Each program asked for: its version line (or "installed" without versions), null when missing. */
  programs: Record<string, string | null>;
  /** The tmux server: ok (listed), none (no server: no sessions), missing (no tmux), error; null when not asked. */
  tmux: 'ok' | 'none' | 'missing' | 'error' | null;
  sessions: ProbeSession[];
  worktrees: ProbeWorktree[];
  worktreeRoot: 'ok' | 'missing' | 'readonly' | null;
}

export class ProbeParseError extends Error {}

const int = (s: string | undefined): number | null => (s !== undefined && /^\d{1,15}$/.test(s) ? Number(s) : null);

/** Parses a probe's stdout against the request it answers; a line it does not know is refused. */
export function parseProbe(host: string, req: ProbeRequest, stdout: string): HostProbe {
  const lines = stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const fail = (i: number, why: string): never => {
    const text = (lines[i] ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 80);
    throw new ProbeParseError(`host ${host}: probe answer not understood at line ${i + 1} (${why}): "${text}"`);
  };
  const first = lines.indexOf(PROBE_HEADER);
  if (first < 0) fail(0, `no "${PROBE_HEADER}" line; does the login shell print something, or is it not a POSIX sh?`);
  if (first > 0) fail(0, 'output before the probe header (a login banner or shell rc printing?)');
  if (lines.at(-1) !== 'end') fail(lines.length - 1, 'the answer stopped before its end line');
  const probe: HostProbe = { memory: null, programs: {}, tmux: null, sessions: [], worktrees: [], worktreeRoot: null };
  let sawMem = false;
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!;
    if (line.startsWith('sess ')) {
      // sess <name> <pid> <dead> <status>; status is empty while the pane lives.
      const [, name, pid, dead, status, ...rest] = line.split(' ');
      if (!name || rest.length > 0 || int(dead) === null || (pid !== '' && int(pid) === null) || (status !== '' && status !== undefined && !/^-?\d{1,4}$/.test(status))) fail(i, 'bad session row');
      probe.sessions.push({ name: name!, pid: int(pid), dead: dead === '1', exitCode: status ? Number(status) : null, rssMB: null });
      continue;
    }
    const words = line.split(' ');
    const [kind] = words;
    if (kind === 'mem' && words.length === 3 && !sawMem) {
      sawMem = true;
      if (words[1] === '-' && words[2] === '-') continue;
      const total = int(words[1]);
      const avail = int(words[2]);
      if (total === null || avail === null || total === 0) fail(i, 'bad memory figures');
      probe.memory = { totalMB: Math.floor(total! / 1024), availableMB: Math.floor(avail! / 1024) };
    } else if (kind === 'prog' && words.length >= 3 && req.programs.includes(words[1]!)) {
      const value = words.slice(2).join(' ');
      probe.programs[words[1]!] = value === '-' ? null : value === '+' ? 'installed' : value;
    } else if (kind === 'tmux' && words.length === 2 && ['ok', 'none', 'missing', 'error'].includes(words[1]!) && probe.tmux === null) {
      probe.tmux = words[1] as HostProbe['tmux'];
    } else if (kind === 'wt' && int(words[1]) !== null && int(words[1])! < req.worktrees.length) {
      const index = int(words[1])!;
      const path = req.worktrees[index]!;
      if (words.length === 3 && words[2] === 'gone') probe.worktrees.push({ path, state: 'gone', head: null, branch: null, changed: 0, dirty: [] });
      else if (words.length === 3 && words[2] === 'error') {
        // git failed after "wt <i>" started its block: that block becomes the error.
        const last = probe.worktrees.at(-1);
        if (last?.path !== path || last.state !== 'ok') fail(i, 'error row without its worktree');
        Object.assign(last!, { state: 'error', head: null, branch: null, changed: 0, dirty: [] });
      } else if (words.length === 2) {
        const wt: ProbeWorktree = { path, state: 'ok', head: null, branch: null, changed: 0, dirty: [] };
        // git status --porcelain=v2 --branch: "# branch.*" headers, then one line per changed path.
        while (i + 1 < lines.length - 1 && /^(# |[12u?!] )/.test(lines[i + 1]!)) {
          const l = lines[++i]!;
          if (l.startsWith('# branch.oid ')) {
            const oid = l.slice(13);
            if (!/^([0-9a-f]{40,64}|\(initial\))$/.test(oid)) fail(i, 'bad branch.oid');
            wt.head = oid === '(initial)' ? null : oid;
          } else if (l.startsWith('# branch.head ')) {
            const head = l.slice(14);
            wt.branch = head === '(detached)' ? null : head;
          } else if (!l.startsWith('# ')) {
            wt.changed++;
            wt.dirty.push(changedPath(l));
          }
        }
        probe.worktrees.push(wt);
      } else fail(i, 'bad worktree row');
    } else if (kind === 'rss' && words.length === 3 && int(words[2]) !== null) {
      const session = probe.sessions.find((x) => x.name === words[1]);
      if (!session || session.rssMB !== null) fail(i, 'rss row without its session');
      session!.rssMB = Math.round(int(words[2])! / 1024);
    } else if (kind === 'root' && words.length === 2 && ['ok', 'missing', 'readonly'].includes(words[1]!)) {
      probe.worktreeRoot = words[1] as HostProbe['worktreeRoot'];
    } else fail(i, 'unknown line');
  }
  if (!sawMem) fail(lines.length - 1, 'no memory line');
  const missing = req.programs.find((p) => !(p in probe.programs));
  if (missing) fail(lines.length - 1, `no line for program ${missing}`);
  if (probe.worktrees.length !== req.worktrees.length) fail(lines.length - 1, 'worktree rows missing');
  if (req.tmuxSocket !== undefined && probe.tmux === null) fail(lines.length - 1, 'no tmux line');
  return probe;
}
