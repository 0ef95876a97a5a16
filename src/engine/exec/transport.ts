import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import type { Command } from './runner.js';

/** How a started program ended: its exit code or signal, or why it could not start. */
export interface ProcessExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the program could not be started at all (ENOENT, EACCES, ...). */
  error?: NodeJS.ErrnoException;
}

/** A program a transport started. */
export interface StartedProcess {
  /** The pid of the group leader on the machine that runs it (undefined when it did not start). */
  readonly pid: number | undefined;
  /** Open only when the command has `input`. */
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Settles once the program has exited and its output streams are drained; never rejects. */
  readonly exited: Promise<ProcessExit>;
  /** Lets this process exit without waiting for the program (and its pipes); a long-lived helper. */
  unref?(): void;
}

/**
 * Where commands run: the seam between the runner (timeouts, abort, kills, output, error mapping,
 * all of which stay on this machine) and the machine that runs the program.
 *
 * A transport only starts a `Command` and reports how it ended. Its contract:
 * - the program runs with `argv` exactly (no shell), in `cwd`, with `env` added to the host's own
 *   environment, stdin closed unless `input` is given;
 * - the program leads a new process group whose id is `pid`, so `kill(-pid)` ends it and everything
 *   it started (the runner's group kill relies on this);
 * - a program that cannot start resolves `exited` with `error` (its errno code), never throws.
 *
 * `localTransport` runs on this machine. A remote host (the SSH work) plugs in here: it starts
 * `argv` on the other machine in its own group (for instance `ssh -T host -- setsid ...` with the
 * argv quoted for the remote shell), maps the remote exit and "command not found" (127) back to
 * `ProcessExit`, and turns a group kill into a signal sent over the same connection; the runner and
 * every caller stay as they are.
 */
export interface Transport {
  /** A short name for messages ("local", later a host name). */
  readonly name: string;
  start(command: Command): StartedProcess;
}

export const localTransport: Transport = {
  name: 'local',
  start(command) {
    const [program, ...args] = command.argv;
    const child = spawn(program!, args, {
      cwd: command.cwd,
      env: command.env ? { ...process.env, ...command.env } : process.env,
      detached: true,
      stdio: [command.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const exited = new Promise<ProcessExit>((resolve) => {
      let startError: NodeJS.ErrnoException | undefined;
      child.on('error', (err: NodeJS.ErrnoException) => {
        // A failed start emits 'error' and then 'close'; an error after a start (a failed kill) is not an exit.
        if (child.pid === undefined) startError = err;
      });
      child.on('close', (exitCode, signal) => {
        resolve(startError ? { exitCode: null, signal: null, error: startError } : { exitCode, signal });
      });
    });
    const unref = () => {
      child.unref();
      for (const stream of [child.stdin, child.stdout, child.stderr] as Array<{ unref?: () => void } | null>) stream?.unref?.();
    };
    return { pid: child.pid, stdin: child.stdin, stdout: child.stdout!, stderr: child.stderr!, exited, unref };
  },
};
