import { spawn, type ChildProcess } from 'node:child_process';
import { distScript } from '../core/index.js';
import { processStartTime } from './process-alive.js';
import type { SweepMarker } from './sweep.js';

/**
 * The holder side of the dead man's switch (see watchdog-main.ts): a child in its own session that
 * ends the process groups this process holds (pty agents, running checks) if this process dies
 * without letting them go, SIGKILL included. Started on the first `hold`; it keeps nothing alive
 * (unref'd), and `close()` dismisses it. One per process: it stands for the process's own life,
 * so it is the one state kept at module level.
 */
export class HolderWatchdog {
  private child: ChildProcess | null = null;
  private failed = false;
  /** FLOTILLA_HOLDER's value for this process: pid and start time. */
  readonly token = `${process.pid}.${processStartTime(process.pid) ?? '0'}`;

  /**
   * Environment for a child that must end with this process: it carries FLOTILLA_HOLDER, and the
   * watchdog (started here, before the child) sweeps every process carrying it when this one dies.
   */
  holdEnv(): Record<string, string> {
    this.ensure();
    return { FLOTILLA_HOLDER: this.token };
  }

  private ensure(): ChildProcess | null {
    if (this.child || this.failed) return this.child;
    const env: NodeJS.ProcessEnv = { ...process.env };
    // The watchdog is no task's process: a sweep of a task must never end it.
    for (const k of Object.keys(env)) if (k.startsWith('FLOTILLA_')) delete env[k];
    try {
      const child = spawn(process.execPath, [distScript('engine', 'exec', 'watchdog-main.js'), this.token], {
        detached: true,
        stdio: ['pipe', 'ignore', 'ignore'],
        env,
      });
      child.on('error', () => {
        this.failed = true;
        this.child = null;
      });
      child.stdin!.on('error', () => undefined);
      child.unref();
      (child.stdin as unknown as { unref?: () => void }).unref?.();
      this.child = child;
    } catch {
      this.failed = true;
    }
    return this.child;
  }

  private send(line: string): void {
    const child = this.child;
    if (child?.stdin && !child.stdin.destroyed) child.stdin.write(`${line}\n`);
  }

  /** From now on the group led by `pgid` (and processes carrying `marker`) end when this process dies. */
  hold(pgid: number, marker: SweepMarker): void {
    if (!Number.isInteger(pgid) || pgid <= 1) return;
    if (!this.ensure()) return;
    this.send(`hold ${pgid} ${JSON.stringify(marker)}`);
  }

  /** The group ended or was handed over: the watchdog forgets it. */
  free(pgid: number | null | undefined): void {
    if (!pgid || !this.child) return;
    this.send(`free ${pgid}`);
  }

  /** Dismisses the watchdog: this process is ending in order and has handled its groups itself. */
  close(): void {
    const child = this.child;
    if (!child) return;
    this.send('bye');
    child.stdin?.end();
    this.child = null;
  }

  /** The watchdog's pid (tests). */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }
}

let shared: HolderWatchdog | null = null;

/** This process's watchdog. */
export function processWatchdog(): HolderWatchdog {
  shared ??= new HolderWatchdog();
  return shared;
}
