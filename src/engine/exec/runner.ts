import { existsSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { CommandError, openNoFollow, type RunOptions, type RunResult, type Runner } from '../core/index.js';

export type { RunOptions, RunResult, Runner };
import { terminateGroup } from './kill-group.js';
import { localTransport, type Transport } from './transport.js';

export type { Transport, StartedProcess, ProcessExit } from './transport.js';
export { localTransport } from './transport.js';

/**
 * One command to run, as plain data: what (`argv`, never a shell string), where (`cwd`), with what
 * (`env`, added to the transport's own environment) and for how long. Plain data so a transport can
 * carry it to another machine.
 */
export interface Command {
  argv: readonly string[];
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Written to stdin, then stdin is closed (without it stdin is closed from the start). */
  input?: string;
  /** Past this the whole process group is ended (SIGTERM, then SIGKILL after `killGraceMs`). */
  timeoutMs?: number;
  /** Aborting ends the whole process group the same way. */
  signal?: AbortSignal;
  killGraceMs?: number;
  /** Every byte of output (stdout and stderr interleaved) goes to this file, created 0600. */
  outputFile?: string;
  /** Every chunk of output as it comes. */
  onOutput?: (chunk: Buffer, stream: 'stdout' | 'stderr') => void;
  /** Collect stdout and stderr into the result (default: yes unless `outputFile` or `onOutput` is given). */
  collect?: boolean;
  /** Bytes collected per stream at most; the rest is dropped (default 64 MiB). */
  maxBuffer?: number;
  /** Called with the pid once started (admission tickets measure its process tree). */
  onPid?: (pid: number) => void;
  /** After the program exits, SIGKILL whatever it left running in its process group. */
  killLeftovers?: boolean;
}

/** How a command ended (the runner contract's RunResult, core/runner.ts). */
export type CommandResult = RunResult;

const DEFAULT_MAX_BUFFER = 64 * 1024 * 1024;
const DEFAULT_KILL_GRACE_MS = 2000;

/** One line for a program that could not start: ENOENT is mapped here, once, for every caller. */
export function startErrorMessage(program: string, cwd: string | undefined, err: NodeJS.ErrnoException): string {
  if (err.code === 'ENOENT') {
    if (cwd && !existsSync(cwd)) return `${program}: cannot run in ${cwd}: the folder does not exist`;
    return `${program}: command not found`;
  }
  if (err.code === 'EACCES') return `${program}: permission denied (not executable)`;
  return `${program}: cannot start: ${err.message}`;
}

class Collector {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(private readonly max: number) {}
  add(chunk: Buffer): void {
    if (this.size >= this.max) return;
    const part = this.size + chunk.length > this.max ? chunk.subarray(0, this.max - this.size) : chunk;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

/**
 * Runs one command to its end through `transport` (this machine unless told otherwise): in its own
 * process group, with the timeout and the abort signal ending the whole group, output collected,
 * written to a file or passed to a callback. Never throws for the program's own failure (a missing
 * program is `notFound` with `error`); see `runChecked` for the throwing form.
 */
export async function runCommand(command: Command, transport: Transport = localTransport): Promise<CommandResult> {
  const program = command.argv[0];
  if (!program) throw new CommandError('(none)', [], null, 'empty command');
  const collect = command.collect ?? (command.outputFile === undefined && command.onOutput === undefined);
  const stdout = new Collector(collect ? (command.maxBuffer ?? DEFAULT_MAX_BUFFER) : 0);
  const stderr = new Collector(collect ? (command.maxBuffer ?? DEFAULT_MAX_BUFFER) : 0);
  const grace = command.killGraceMs ?? DEFAULT_KILL_GRACE_MS;
  if (command.signal?.aborted) {
    return { exitCode: null, stdout: '', stderr: '', timedOut: false, aborted: true, failed: true, notFound: false };
  }
  let log: FileHandle | null = null;
  // Output files live under .flotilla: never opened through a planted symlink.
  if (command.outputFile) log = await openNoFollow(command.outputFile, 'w');
  // Aborted while the log was opened: the abort listener is not in place yet, so it would be lost
  // and the command run to its end (a stopping monitor waited out a 30 s check).
  if (command.signal?.aborted) {
    await log?.close();
    return { exitCode: null, stdout: '', stderr: '', timedOut: false, aborted: true, failed: true, notFound: false };
  }
  let writes: Promise<unknown> = Promise.resolve();
  const take = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
    (stream === 'stdout' ? stdout : stderr).add(chunk);
    if (log) {
      const handle = log;
      writes = writes.then(() => handle.write(chunk)).catch(() => undefined);
    }
    command.onOutput?.(chunk, stream);
  };

  const child = transport.start(command);
  let timedOut = false;
  let aborted = false;
  let cancelKill: (() => void) | undefined;
  const end = () => {
    if (child.pid !== undefined && !cancelKill) cancelKill = terminateGroup(child.pid, grace);
  };
  const timer =
    command.timeoutMs !== undefined
      ? setTimeout(() => {
          timedOut = true;
          end();
        }, command.timeoutMs)
      : undefined;
  const onAbort = () => {
    aborted = true;
    end();
  };
  command.signal?.addEventListener('abort', onAbort, { once: true });
  if (child.pid !== undefined) command.onPid?.(child.pid);
  child.stdout.on('data', take('stdout'));
  child.stderr.on('data', take('stderr'));
  if (child.stdin) {
    child.stdin.on('error', () => undefined);
    child.stdin.end(command.input ?? '');
  }
  let exit;
  try {
    exit = await child.exited;
  } finally {
    if (timer) clearTimeout(timer);
    command.signal?.removeEventListener('abort', onAbort);
  }
  if (command.killLeftovers && child.pid !== undefined && !exit.error) {
    // Whatever the program left behind in its group goes too.
    cancelKill?.();
    terminateGroup(child.pid, 0);
  }
  await writes;
  await log?.close();
  const error = exit.error ? startErrorMessage(program, command.cwd, exit.error) : undefined;
  return {
    exitCode: exit.exitCode,
    signal: exit.signal ?? undefined,
    stdout: stdout.text(),
    stderr: stderr.text(),
    timedOut,
    aborted,
    failed: Boolean(error) || exit.exitCode !== 0,
    notFound: exit.error?.code === 'ENOENT' && !(command.cwd && !existsSync(command.cwd)),
    ...(error ? { error } : {}),
  };
}

/** A Runner over `transport` (this machine by default; a remote host's transport later). */
export function createRunner(transport: Transport = localTransport): Runner {
  return {
    run: (file, args, options = {}) => runCommand({ argv: [file, ...args], ...options }, transport),
  };
}

/** Runs and throws a CommandError unless the exit code is 0. Returns stdout. */
export async function runChecked(
  runner: Runner,
  file: string,
  args: readonly string[],
  options?: RunOptions,
): Promise<string> {
  const result = await runner.run(file, args, options);
  if (result.exitCode !== 0) {
    throw new CommandError(file, args, result.exitCode, result.error ?? result.stderr);
  }
  return result.stdout;
}
