import { existsSync } from 'node:fs';
import { resolveProfile, trustLaunch, type HookRecorder } from '../agents/index.js';
import type { Attempt, FlotillaConfig, Task } from '../core/index.js';
import { PtyError, UsageError, attemptFiles, dropPlantedLink, taskFiles, requireTask } from '../core/index.js';
import { appendPrivateLine, ensurePrivateDir, writeFileAtomic } from '../fs/index.js';
import { isTaskId } from '../core/index.js';
import type { SessionInfo, SessionState } from '../core/index.js';
import type { SessionManagerContext } from './session-context.js';
import { adoptSessions, followSession, type AdoptionHost } from './adoption.js';
import { readHookEvents } from './hooks.js';
import { attemptLogFile, launchSpec } from './launch-spec.js';
import { PtyRuntime } from './pty-runtime.js';
import { killProcessGroup, type Runtime } from './runtime.js';
import { StatusWiring, type Entry } from './status-wiring.js';
import { attemptMarker, sweepMarked } from '../exec/index.js';
import { TmuxRuntime } from './tmux-runtime.js';
import { RoutedRuntime } from './routed-runtime.js';
import type { AttachOptions, AttachOutcome, ScreenSnapshot, SessionManager, StartSessionInput } from '../core/index.js';
import { findExecutable } from './which.js';
import { waitAtMost } from '../exec/index.js';
import { isAgentGroup } from './agent-group.js';
import { replayLogScreen } from './last-screen.js';
import { readStartSize, writeStartSize } from './start-size.js';
import { gateSpecText, hostHookFiles, hostRecorder, type HostHookSetup } from './host-hooks.js';
import { remoteAgentEnv } from './remote-tmux-runtime.js';

export type { SessionManagerContext };

export interface SessionManagerOptions {
  /** Overrides config.runtime. */
  runtime?: 'tmux' | 'pty';
  /** tmux socket name (default flotilla-<hash of the repository path>). */
  tmuxSocket?: string;
  /** Terminal size a session starts with. */
  size?: { cols: number; rows: number };
}

/** Chooses the runtime: config "auto" means tmux when it is installed, else pty. */
export function chooseRuntime(config: FlotillaConfig, override?: 'tmux' | 'pty'): 'tmux' | 'pty' {
  const wanted = override ?? config.runtime;
  if (wanted !== 'auto') return wanted;
  return findExecutable('tmux', { cwd: process.cwd() }) ? 'tmux' : 'pty';
}

/** Builds the session manager for a repository (runtime from config.runtime). */
export function createSessionManager(ctx: SessionManagerContext, options: SessionManagerOptions = {}): SessionManager {
  const kind = chooseRuntime(ctx.config, options.runtime);
  const local: Runtime =
    kind === 'tmux'
      ? new TmuxRuntime(ctx.runner, { repoRoot: ctx.paths.root, stateDir: ctx.paths.stateDir, ...(options.tmuxSocket ? { socket: options.tmuxSocket } : {}) })
      : new PtyRuntime();
  // Attempts on a remote host run in tmux there; the manager sees one runtime either way.
  const runtime: Runtime = ctx.hosts && ctx.hosts.names().length ? new RoutedRuntime(local, ctx.hosts, ctx.registry) : local;
  return new AgentSessions(ctx, runtime, options.size ?? readStartSize(ctx.paths.stateDir));
}

class AgentSessions implements SessionManager {
  readonly runtime: 'tmux' | 'pty';
  private readonly wiring: StatusWiring;
  private readonly host: AdoptionHost;
  private closed = false;

  constructor(
    private readonly ctx: SessionManagerContext,
    private readonly rt: Runtime,
    private size: { cols: number; rows: number },
  ) {
    this.runtime = rt.kind;
    this.wiring = new StatusWiring(ctx, (agent) => this.profileOf(agent));
    this.host = { ctx, rt, status: this.wiring };
  }

  private get entries(): Map<string, Entry> {
    return this.wiring.entries;
  }

  private profileOf(agent: string) {
    return resolveProfile(this.ctx.config, agent);
  }

  async start(input: StartSessionInput): Promise<SessionInfo> {
    if (this.closed) throw new PtyError('the session manager is closed');
    const { taskId, attempt } = input;
    if (!isTaskId(taskId)) throw new UsageError(`"${taskId}" is not a valid task id`);
    if (await this.isAlive(taskId)) throw new UsageError(`task ${taskId} is already running (flotilla stop ${taskId} first)`);
    const data = await this.ctx.registry.read();
    const task = requireTask(data, taskId);
    const att = task.attempts.find((a) => a.n === attempt);
    if (!att) throw new UsageError(`task ${taskId} has no attempt ${attempt}`);
    const host = att.host;
    if (host && !(this.rt instanceof RoutedRuntime)) throw new PtyError(`task ${taskId} attempt ${attempt} runs on host ${host}, which is not in config hosts`);
    if (!host && !existsSync(att.worktree)) {
      throw new PtyError(`task ${taskId} attempt ${attempt}: worktree ${att.worktree} is gone (flotilla retry ${taskId} starts a new attempt from its branch)`);
    }
    const profile = this.profileOf(task.agent);
    // On a host the hooks run flotilla's sh file there (host-hooks.ts), not this machine's paths.
    const remote = host ? await this.remoteHooks(host, task, att) : undefined;
    let { argv, env, promptFile: pFile, eventsFile } = launchSpec(this.ctx, task, att, profile, input, undefined, remote?.recorder);
    await writeFileAtomic(pFile, input.prompt);
    // The log is flotilla's own name: a symlink planted there goes (its target untouched).
    await dropPlantedLink(attemptLogFile(this.ctx.paths, taskId, attempt));
    await ensurePrivateDir(taskFiles(this.ctx.paths, taskId).hooksDir);
    await appendPrivateLine(eventsFile, '');
    const { offset: hookOffset } = await readHookEvents(eventsFile, 0);
    const now = new Date().toISOString();
    // On a host the program is looked up there: a missing one exits 127 in its pane.
    if (!host && !findExecutable(argv[0]!, { cwd: att.worktree, path: env.PATH })) {
      const info: SessionInfo = { state: 'exited', pid: null, since: now, runtime: this.runtime, exitCode: 127, message: `command not found: ${argv[0]} (profile "${task.agent}")` };
      await this.wiring.record(taskId, attempt, info);
      return info;
    }
    // Trust the worktree ahead (config trustWorktrees), so the agent does not stop at its dialog.
    if (this.ctx.config.trustWorktrees && profile.trust && profile.trust !== 'none') {
      if (remote && profile.trust === 'claude') {
        // Claude Code's entry goes into its config on the host, within the launch's exec.
        const dir = remoteAgentEnv(env).CLAUDE_CONFIG_DIR;
        remote.setup.trustClaude = dir ? `${dir}/.claude.json` : '';
      } else {
        // Codex and Gemini CLI are trusted by argv and environment only: the same on a host.
        const trust = await trustLaunch(profile.trust, att.worktree, env);
        ({ argv, env } = launchSpec(this.ctx, task, att, profile, input, trust, remote?.recorder));
      }
    }
    const previous = this.entries.get(taskId);
    if (previous) {
      previous.tracker?.onExit();
      await previous.watcher?.close();
      previous.session.release();
      this.entries.delete(taskId);
    }
    const session = await this.rt.spawn({
      taskId,
      attempt,
      argv,
      cwd: att.worktree,
      env,
      cols: this.size.cols,
      rows: this.size.rows,
      logFile: attemptLogFile(this.ctx.paths, taskId, attempt),
      logMaxBytes: this.ctx.config.logs.maxBytes,
      logKeep: this.ctx.config.logs.keep,
      argvFile: attemptFiles(this.ctx.paths, taskId, attempt).argv,
      eventsFile,
      ...(host ? { host } : {}),
      ...(remote ? { hostHooks: remote.setup } : {}),
    });
    const info: SessionInfo = { state: 'starting', pid: session.pid, since: now, runtime: this.runtime, ...(session.name ? { name: session.name } : {}) };
    const entry = this.wiring.track(taskId, attempt, task.agent, session, info, hookOffset);
    await this.wiring.record(taskId, attempt, info, entry);
    return info;
  }

  /** The hook recorder and the launch's hook setup of an attempt on a host. */
  private async remoteHooks(host: string, task: Task, att: Attempt): Promise<{ recorder: HookRecorder; setup: HostHookSetup }> {
    const hosts = this.ctx.hosts;
    if (!hosts) throw new PtyError(`task ${task.id} attempt ${att.n} runs on host ${host}, which is not in config hosts`);
    const { stateDir } = await hosts.get(host).layout();
    const files = hostHookFiles(stateDir, task.id, att.n);
    const gate = this.ctx.config.stopGate;
    const gateSpec = gate.enabled ? gateSpecText({ worktree: att.worktree, attempt: att.n, maxBlocks: gate.maxBlocks, files, checks: this.ctx.stopGateChecks?.() ?? [] }) : null;
    return { recorder: hostRecorder(files, gate.enabled), setup: { files, gateSpec, trustClaude: null } };
  }

  /** The entry for a task: one this process follows, or (tmux) a session left by another process. */
  private lookup(taskId: string, detect = false): Promise<Entry | null> {
    return followSession(this.host, taskId, detect);
  }

  private async require(taskId: string): Promise<Entry> {
    const entry = await this.lookup(taskId);
    if (entry) return entry;
    if (this.rt.kind === 'pty' && isTaskId(taskId)) {
      const recorded = (await this.ctx.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1)?.session;
      if (recorded && recorded.state !== 'exited' && recorded.runtime === 'pty') {
        throw new UsageError(`task ${taskId} runs in another flotilla process (pty runtime: only that process can reach it; runtime "tmux" makes sessions reachable from anywhere)`);
      }
    }
    throw new UsageError(`task ${taskId} has no session (flotilla start ${taskId})`);
  }

  /**
   * A pty session that another flotilla process holds (its `flotilla start`, its TUI) and that is
   * still running: only that process has the pty, but the agent's process group can be reached.
   */
  private async heldElsewhere(taskId: string): Promise<{ attempt: number; info: SessionInfo & { pid: number } } | null> {
    if (this.entries.has(taskId) || !isTaskId(taskId)) return null;
    const att = (await this.ctx.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1);
    const s = att?.session;
    if (!att || !s || s.runtime !== 'pty' || s.state === 'exited' || !s.pid) return null;
    return isAgentGroup(s.pid, taskId) ? { attempt: att.n, info: { ...s, pid: s.pid } } : null;
  }

  async stop(taskId: string): Promise<void> {
    const elsewhere = await this.heldElsewhere(taskId);
    if (elsewhere) {
      // The holding process sees its agent exit and ends its own follow-up.
      await killProcessGroup(elsewhere.info.pid);
      await sweepMarked(attemptMarker(taskId, elsewhere.attempt, { repo: this.ctx.paths.root }));
      const info: SessionInfo = { ...elsewhere.info, state: 'exited', since: new Date().toISOString(), exitCode: null, message: 'stopped' };
      await this.wiring.record(taskId, elsewhere.attempt, info);
      return;
    }
    const entry = await this.require(taskId);
    entry.stopping = true;
    await entry.session.kill();
    // Whatever left the agent's group (setsid, a daemonising fork) still carries its marker.
    await sweepMarked(attemptMarker(taskId, entry.attempt, { repo: this.ctx.paths.root }));
    await waitAtMost(entry.exitedPromise, 3000);
  }

  async send(taskId: string, text: string, options: { enter?: boolean } = {}): Promise<void> {
    const entry = await this.require(taskId);
    if (!(await entry.session.isAlive())) throw new UsageError(`task ${taskId}: the agent has exited`);
    entry.tracker?.onInput();
    await entry.session.sendText(text, options.enter ?? true);
  }

  async capture(taskId: string, options: { ansi?: boolean } = {}): Promise<string> {
    const entry = await this.require(taskId);
    return entry.session.capture(options.ansi ?? false);
  }

  outputAgeMs(taskId: string): number | undefined {
    return this.rt.outputAgeMs?.(taskId);
  }

  async isAlive(taskId: string): Promise<boolean> {
    const entry = this.entries.get(taskId);
    if (entry && entry.info.state !== 'exited') return entry.session.isAlive();
    if (await this.heldElsewhere(taskId)) return true;
    // tmux: another process may have started the task again since.
    if (this.rt.kind !== 'tmux') return false;
    const row = (await (this.rt.listFor ? this.rt.listFor(taskId) : this.rt.list())).find((r) => r.name === taskId);
    return Boolean(row && !row.dead);
  }

  status(taskId: string): SessionState | null {
    return this.entries.get(taskId)?.info.state ?? null;
  }

  screen(taskId: string, options: { top?: number } = {}): ScreenSnapshot | null {
    return this.entries.get(taskId)?.session.screen(options.top) ?? null;
  }

  history(taskId: string): string[] | null {
    return this.entries.get(taskId)?.session.history() ?? null;
  }

  setStartSize(size: { cols: number; rows: number }): void {
    if (size.cols === this.size.cols && size.rows === this.size.rows) return;
    this.size = { cols: size.cols, rows: size.rows };
    // Best effort: the file only helps later processes start at the same size.
    void writeStartSize(this.ctx.paths.stateDir, this.size).catch(() => undefined);
  }

  async lastScreen(taskId: string, size: { cols: number; rows: number }): Promise<ScreenSnapshot | null> {
    if (!isTaskId(taskId)) return null;
    const attempt = (await this.ctx.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1);
    return attempt ? replayLogScreen(attemptLogFile(this.ctx.paths, taskId, attempt.n), size) : null;
  }

  subscribeScreen(taskId: string, size: { cols: number; rows: number }, onChange: () => void): () => void {
    const entry = this.entries.get(taskId);
    if (entry) return entry.session.subscribeScreen(size, onChange);
    // A tmux session started by another process: follow it, then subscribe (unless already unsubscribed).
    let off: (() => void) | null = null;
    let cancelled = false;
    void this.lookup(taskId, true)
      .then((found) => {
        if (found && !cancelled) off = found.session.subscribeScreen(size, onChange);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
      off?.();
    };
  }

  resize(taskId: string, cols: number, rows: number): void {
    this.entries.get(taskId)?.session.resize(cols, rows);
  }

  async attach(taskId: string, options: AttachOptions): Promise<AttachOutcome> {
    const entry = await this.require(taskId);
    if (entry.info.state === 'exited') return { reason: 'exited', exitCode: entry.info.exitCode ?? null };
    return entry.session.attach(options);
  }

  async adopt(): Promise<void> {
    await adoptSessions(this.host);
  }

  async close(options: { killSessions?: boolean } = {}): Promise<void> {
    this.closed = true;
    const kill = options.killSessions || this.rt.kind === 'pty';
    if (kill) {
      await Promise.all([...this.entries.values()].filter((e) => e.info.state !== 'exited').map((e) => this.stop(e.taskId).catch(() => undefined)));
    }
    for (const e of this.entries.values()) {
      e.tracker?.onExit();
      await e.watcher?.close();
      e.session.release();
      await e.writes;
    }
    this.entries.clear();
    await this.rt.close({ killSessions: kill });
  }
}

