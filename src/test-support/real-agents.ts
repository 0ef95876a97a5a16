import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, PROJECT_ROOT } from './temp-repo.js';
import { HAVE_TMUX, waitFor } from './tmux-repo.js';

/**
 * The real agent CLIs for test/e2e/real-agents/: the pinned versions `.ci/install-agents` put in
 * its cache folder (`.ci/run` installs them and exports FLOTILLA_AGENTS_BIN). A run without them
 * skips the suite with a visible line, never silently.
 */
export const AGENT_VERSIONS = { claude: '2.1.197', codex: '0.171.0', gemini: '0.61.0' } as const;

function findAgentsBin(): string | null {
  const fromEnv = process.env.FLOTILLA_AGENTS_BIN;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : null;
  try {
    const out = execFileSync(join(PROJECT_ROOT, '.ci', 'install-agents'), ['--installed'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out && existsSync(out) ? out : null;
  } catch {
    return null;
  }
}

export const AGENTS_BIN = findAgentsBin();

/** The path of a pinned CLI, or null (with the reason printed once) when the suite must skip. */
export function realAgent(name: keyof typeof AGENT_VERSIONS): string | null {
  const path = AGENTS_BIN ? join(AGENTS_BIN, name) : null;
  if (!HAVE_TMUX) {
    console.warn(`real-agents: ${name} tests skipped: tmux is not installed`);
    return null;
  }
  if (!path || !existsSync(path)) {
    console.warn(`real-agents: ${name} ${AGENT_VERSIONS[name]} tests skipped: not installed (run .ci/install-agents, or set FLOTILLA_AGENTS_BIN)`);
    return null;
  }
  return path;
}

/** Environment that keeps Claude Code on the scripted endpoint: no other network, no updater. */
export function claudeEndpointEnv(url: string, configDir: string): Record<string, string> {
  return {
    ANTHROPIC_BASE_URL: url,
    ANTHROPIC_API_KEY: 'sk-ant-scripted-0123456789',
    CLAUDE_CONFIG_DIR: configDir,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_MAX_RETRIES: '2',
  };
}

/**
 * A Claude Code config folder as a user who has used Claude Code before has it: onboarding done;
 * optionally the scripted key already approved and tools allowed (settings.json).
 */
export function claudeConfigDir(dir: string, options: { approveKey?: boolean; allow?: string[]; acceptEdits?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const config: Record<string, unknown> = { hasCompletedOnboarding: true, numStartups: 5 };
  if (options.approveKey) config.customApiKeyResponses = { approved: ['-scripted-0123456789'], rejected: [] };
  writeFileSync(join(dir, '.claude.json'), JSON.stringify(config, null, 2));
  if (options.allow || options.acceptEdits) {
    const permissions = { allow: options.allow ?? [], ...(options.acceptEdits ? { defaultMode: 'acceptEdits' } : {}) };
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ permissions }, null, 2));
  }
  return dir;
}

export interface StatusEvent {
  at: number;
  taskId: string;
  attempt: number;
  state: string;
  message?: string;
}

/** A `flotilla watch --json` process: the engine following the fleet, its session.status events. */
export interface Watcher {
  events: StatusEvent[];
  all: Array<Record<string, unknown>>;
  output(): string;
  /** Waits for a status event matching `match` (at or after `from`, ms since epoch). */
  status(what: string, match: (e: StatusEvent) => boolean, timeoutMs?: number): Promise<StatusEvent>;
  stop(): Promise<void>;
}

export function startWatcher(root: string, env: Record<string, string>): Watcher {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'watch', '--json'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: StatusEvent[] = [];
  const all: Array<Record<string, unknown>> = [];
  let text = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => {
    text += d;
    buffer += d;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const e = JSON.parse(line) as Record<string, unknown>;
        all.push(e);
        if (e.type === 'session.status') {
          const s = e.session as { state: string; message?: string };
          events.push({ at: Date.now(), taskId: String(e.taskId), attempt: Number(e.attempt), state: s.state, ...(s.message ? { message: s.message } : {}) });
        }
      } catch {
        // not JSON
      }
    }
  });
  child.stderr!.on('data', (d: Buffer) => (text += d.toString()));
  const exited = new Promise<void>((r) => child.on('close', () => r()));
  return {
    events,
    all,
    output: () => text,
    status: (what, match, timeoutMs = 30_000) =>
      waitFor(what, async () => events.find(match), timeoutMs, 50).catch((err: Error) => {
        throw new Error(`${err.message}; status events: ${JSON.stringify(events.map((e) => [e.state, e.message]))}`);
      }),
    async stop() {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      child.kill('SIGKILL');
    },
  };
}

/** Keys typed into a task's tmux pane as a user would (tmux key names: Enter, Up, Escape). */
export function pressKeys(socket: string, taskId: string, ...keys: string[]): void {
  execFileSync('tmux', ['-L', socket, 'send-keys', '-t', `=${taskId}:`, ...keys]);
}

/** Saves a screen as a fixture for the pattern tests when FLOTILLA_RECORD_FIXTURES=1. */
export function recordFixture(name: string, screen: string): void {
  if (process.env.FLOTILLA_RECORD_FIXTURES !== '1') return;
  const dir = join(PROJECT_ROOT, 'test', 'fixtures', 'agents');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), `${screen.replace(/\s+$/, '')}\n`);
}

/** Waits until the task's pane (`flotilla capture job`) shows `text`; returns the screen and when it was first seen. */
export async function screenShows(
  tr: { cli: (args: string[]) => Promise<{ stdout: string }> },
  what: string,
  text: RegExp,
  timeoutMs = 30_000,
): Promise<{ screen: string; at: number }> {
  let last = '';
  return waitFor(what, async () => {
    const screen = (last = (await tr.cli(['capture', 'job'])).stdout);
    return text.test(screen) && { screen, at: Date.now() };
  }, timeoutMs, 100).catch((err: Error) => {
    throw new Error(`${err.message}; the screen:\n${last}`);
  });
}
