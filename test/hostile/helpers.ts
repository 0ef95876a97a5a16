/**
 * Shared helpers of the hostile-input suite (test/hostile/): a temp repository, the real
 * bin/flotilla run as a child process with its exact exit code, stdout and stderr, the sha256 of
 * every state file under .flotilla before and after, and the check that no control byte from
 * outside text reached the terminal.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BIN, makeTempRepo, type TempRepo } from '../../src/test-support/temp-repo.js';

export { BIN, PROJECT_ROOT, git, makeTempRepo, type TempRepo } from '../../src/test-support/temp-repo.js';

/** path under .flotilla (relative) → "sha256:<hex>" for a file, "symlink:<target>" for a link, "dir" for a folder. */
export type StateSnapshot = Record<string, string>;

/** The sha256 of every file (and the target of every symlink) under `<root>/.flotilla`, never following links. */
export function snapshotState(root: string): StateSnapshot {
  const base = join(root, '.flotilla');
  const out: StateSnapshot = {};
  if (!existsSync(base)) return out;
  // A process of the fleet (a watch, an agent's holder) may remove a file while we walk: a path
  // gone between readdir and lstat is simply not in the snapshot.
  const gone = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT';
  const walk = (dir: string): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      if (gone(err)) return;
      throw err;
    }
    for (const entry of entries) {
      const p = join(dir, entry.name);
      const rel = relative(base, p);
      try {
        const st = lstatSync(p);
        if (st.isSymbolicLink()) out[rel] = `symlink:${readlinkSync(p)}`;
        else if (st.isDirectory()) {
          out[rel] = 'dir';
          walk(p);
        } else if (st.isFile()) out[rel] = `sha256:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
        else out[rel] = 'special';
      } catch (err) {
        if (!gone(err)) throw err;
        delete out[rel];
      }
    }
  };
  walk(base);
  return out;
}

/** What changed between two snapshots: added, removed and changed paths (sorted). */
export function stateDiff(before: StateSnapshot, after: StateSnapshot): { added: string[]; removed: string[]; changed: string[] } {
  const added = Object.keys(after).filter((k) => !(k in before)).sort();
  const removed = Object.keys(before).filter((k) => !(k in after)).sort();
  const changed = Object.keys(after).filter((k) => k in before && before[k] !== after[k]).sort();
  return { added, removed, changed };
}

export interface HostileRun {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** The raw bytes of stdout and stderr (a lone 0x9b byte is lost in a utf8 decode). */
  stdoutBytes: Buffer;
  stderrBytes: Buffer;
  before: StateSnapshot;
  after: StateSnapshot;
  timedOut: boolean;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** Kill (SIGKILL, whole group) after this many ms and report timedOut (default 60 s). */
  timeoutMs?: number;
}

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'flotilla test',
  GIT_AUTHOR_EMAIL: 'test@flotilla.invalid',
  GIT_COMMITTER_NAME: 'flotilla test',
  GIT_COMMITTER_EMAIL: 'test@flotilla.invalid',
};

/** Runs the real bin/flotilla in `cwd` and records exit code, output and the state before and after. */
export function runFlotilla(cwd: string, args: string[], options: RunOptions = {}): Promise<HostileRun> {
  const before = snapshotState(cwd);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: {
        ...process.env,
        ...GIT_ENV,
        FORCE_COLOR: '0',
        // Keep the user's real agent homes out of every case.
        CLAUDE_CONFIG_DIR: join(cwd, '..', 'no-claude'),
        CODEX_HOME: join(cwd, '..', 'no-codex'),
        ...options.env,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutMs ?? 60_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      const stderrBytes = Buffer.concat(err);
      resolve({
        args,
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: stderrBytes.toString('utf8'),
        stdoutBytes,
        stderrBytes,
        before,
        after: snapshotState(cwd),
        timedOut,
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/**
 * Every byte or character a terminal would act on: C0 controls but newline and tab, DEL, C1 (as
 * characters U+0080..U+009F and as raw bytes 0x80..0x9F that are not part of a UTF-8 sequence),
 * and the bidi overrides and isolates (U+202A..U+202E, U+2066..U+2069) that reorder what is shown.
 * Returns "offset:U+XXXX" for each, empty when the text is clean.
 */
export function controlChars(text: string | Buffer): string[] {
  const found: string[] = [];
  const s = typeof text === 'string' ? text : text.toString('utf8');
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const bad =
      (c < 0x20 && c !== 0x0a && c !== 0x09) ||
      c === 0x7f ||
      (c >= 0x80 && c <= 0x9f) ||
      (c >= 0x202a && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069);
    if (bad) found.push(`${i}:U+${c.toString(16).toUpperCase().padStart(4, '0')}`);
  }
  if (typeof text !== 'string' && s.includes('\ufffd')) found.push('invalid-utf8:U+FFFD');
  return found;
}

/** Throws naming the first few offending characters (with context) when `text` carries any. */
export function assertNoControlChars(text: string | Buffer, label: string): void {
  const found = controlChars(text);
  if (found.length === 0) return;
  const s = typeof text === 'string' ? text : text.toString('utf8');
  const first = Number(found[0]!.split(':')[0]);
  const around = Number.isFinite(first) ? JSON.stringify(s.slice(Math.max(0, first - 30), first + 30)) : '';
  throw new Error(`${label}: ${found.length} control character(s) reached the terminal: ${found.slice(0, 8).join(', ')} near ${around}`);
}

/**
 * Hostile strings a file, a process or a service outside flotilla could hand it. Each is meant to
 * be embedded in a field that flotilla later prints.
 */
export const HOSTILE_CORPUS: Record<string, string> = {
  osc52Clipboard: '\x1b]52;c;ZWNobyBwd25lZA==\x07',
  osc52St: '\x1b]52;c;ZWNobyBwd25lZA==\x1b\\',
  osc0Title: '\x1b]0;pwned title\x07',
  osc2Title: '\x1b]2;pwned title\x1b\\',
  clearScreen: '\x1b[2J\x1b[H',
  c1Csi: '\u009b2J',
  c1Osc: '\u009d0;c1 title\u009c',
  bell: 'ring\x07ring',
  backspace: 'safe\b\b\b\bEVIL',
  carriageReturn: 'all checks failed\rall checks passed',
  sgrHide: '\x1b[8mhidden\x1b[0m',
  cursorUp: '\x1b[3A\x1b[Koverwrite',
  dcs: '\x1bP1$qm\x1b\\',
  bidiOverride: 'abc\u202Eevil\u202Cdef',
  bidiIsolate: 'x\u2066y\u2069z',
  nul: 'a\x00b',
  del: 'a\x7fb',
  longLine: `long:${'A'.repeat(20_000)}`,
};

/** All corpus entries joined into one string (separated by spaces). */
export const HOSTILE_ALL = Object.values(HOSTILE_CORPUS).join(' ');

/** A temp repository for one hostile case; `config` is merged over the test default. */
export function hostileRepo(config: Record<string, unknown> = {}, options: { init?: boolean } = {}): TempRepo {
  return makeTempRepo(config, options);
}

/** One line of the closing tally: what a case expected and what happened. */
export type Outcome = 'refused-cleanly' | 'handled' | 'wrong' | 'crashed' | 'data-lost';

/** A crash: a stack trace on stderr, a signal, or a timeout. */
export function crashed(run: HostileRun): boolean {
  return run.timedOut || run.signal !== null || /\n\s+at .+\(.+:\d+:\d+\)/.test(run.stderr);
}
