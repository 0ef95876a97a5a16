import * as pty from 'node-pty';
import { LiveScreen, type TerminalPool } from './live-screen.js';
import { safeResize } from './pty-runtime.js';
import { clientEnv } from './tmux.js';

/** A tmux client in a node-pty, feeding a headless terminal: the live screen of one session. */
export class ScreenClient {
  readonly screen: LiveScreen;
  private readonly p: pty.IPty;
  private exited = false;

  /** When the client started (a client that lived a while resets the reconnect pause). */
  readonly startedAt = Date.now();

  /** `onExit`: the client ended (the session went, or the connection to its host dropped). */
  constructor(argv: string[], cols: number, rows: number, onExit?: () => void, terminals?: TerminalPool) {
    this.p = pty.spawn(argv[0]!, argv.slice(1), { name: 'xterm-256color', cols, rows, env: clientEnv() });
    this.screen = new LiveScreen(
      cols,
      rows,
      (reply) => {
        if (!this.exited) this.p.write(reply);
      },
      terminals,
    );
    this.screen.setFlowControl({
      pause: () => {
        if (!this.exited) this.p.pause();
      },
      resume: () => {
        if (!this.exited) this.p.resume();
      },
    });
    this.p.onData((d) => this.screen.write(d));
    this.p.onExit(() => {
      this.exited = true;
      onExit?.();
    });
  }

  resize(cols: number, rows: number): void {
    this.screen.resize(cols, rows);
    if (!this.exited) safeResize(this.p, cols, rows);
  }

  get size(): { cols: number; rows: number } {
    return { cols: this.screen.term.cols, rows: this.screen.term.rows };
  }

  dispose(): void {
    if (!this.exited) {
      try {
        this.p.kill();
      } catch {
        // gone
      }
    }
    this.screen.dispose();
  }
}
