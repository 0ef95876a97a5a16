import { randomBytes } from 'node:crypto';
import type { RunResult } from '../core/index.js';

/** How long a screen read waits for others to join its tmux call. */
export const CAPTURE_BATCH_MS = 15;

/**
 * Screen reads (`tmux capture-pane`) asked for within CAPTURE_BATCH_MS of each other go to tmux as
 * one command list, `capture-pane … ; display-message -p <mark> ; capture-pane …`, so 100 sessions
 * read at once (adoption, a monitoring pass) cost one tmux process instead of 100; starting a
 * process is most of a read's cost for a view holding 100 sessions. tmux stops a list at the first
 * command that fails (a session gone): the reads after it are asked again one by one, so each gets
 * its own answer and error.
 */
export class CaptureBatch {
  private queue: Array<{ args: string[]; resolve: (r: RunResult) => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly tmux: (args: string[]) => Promise<RunResult>,
    private readonly waitMs = CAPTURE_BATCH_MS,
  ) {}

  /** `tmux capture-pane <args>`, perhaps in one call with others. */
  capture(args: string[]): Promise<RunResult> {
    return new Promise((resolve) => {
      this.queue.push({ args, resolve });
      if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.waitMs);
    });
  }

  private async flush(): Promise<void> {
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 1) {
      batch[0]!.resolve(await this.tmux(['capture-pane', ...batch[0]!.args]));
      return;
    }
    const mark = `flotilla-capture-${randomBytes(8).toString('hex')}`;
    const argv = batch.flatMap((b, i) => [...(i ? [';'] : []), 'capture-pane', ...b.args, ';', 'display-message', '-p', `${mark}-${i}`]);
    const r = await this.tmux(argv);
    const outputs = splitMarked(r.stdout, mark, batch.length);
    await Promise.all(
      batch.map(async (b, i) => {
        const stdout = outputs[i];
        if (stdout !== undefined) b.resolve({ ...r, exitCode: 0, failed: false, stdout, stderr: '' });
        else b.resolve(await this.tmux(['capture-pane', ...b.args]));
      }),
    );
  }
}

/**
 * The output of each command of a batch: the lines before `<mark>-<i>`, as `capture-pane -p`
 * prints them (ending in a newline); undefined for those tmux did not reach.
 */
export function splitMarked(stdout: string, mark: string, count: number): Array<string | undefined> {
  const out: Array<string | undefined> = new Array<string | undefined>(count).fill(undefined);
  let lines: string[] = [];
  let next = 0;
  for (const line of stdout.split('\n')) {
    if (next < count && line === `${mark}-${next}`) {
      out[next++] = lines.length ? `${lines.join('\n')}\n` : '';
      lines = [];
    } else lines.push(line);
  }
  return out;
}
