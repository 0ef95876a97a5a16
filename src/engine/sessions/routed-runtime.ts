import type { HostsPort, RegistryPort } from '../core/index.js';
import { RemoteTmuxRuntime } from './remote-tmux-runtime.js';
import type { Runtime, RuntimeSession, SpawnSpec } from './runtime.js';

/**
 * The runtime the session manager holds: this machine's (tmux or pty) for local attempts, and a
 * remote tmux runtime per host for attempts recorded with a `host`. Session names are task ids, so
 * the lists of all of them merge into one.
 */
export class RoutedRuntime implements Runtime {
  readonly kind: 'tmux' | 'pty';
  private readonly remotes = new Map<string, RemoteTmuxRuntime>();

  constructor(
    private readonly local: Runtime,
    private readonly hosts: HostsPort,
    private readonly registry: RegistryPort,
  ) {
    this.kind = local.kind;
  }

  remote(host: string): RemoteTmuxRuntime {
    let rt = this.remotes.get(host);
    if (!rt) {
      rt = new RemoteTmuxRuntime(this.hosts.get(host), { onGateBlocks: (taskId, attempt, count) => this.recordGateBlocks(taskId, attempt, count) });
      this.remotes.set(host, rt);
    }
    return rt;
  }

  /** The stop gate on a host blocked `count` stops: attempt.stopGateBlocks never goes down. */
  private async recordGateBlocks(taskId: string, attempt: number, count: number): Promise<void> {
    await this.registry.updateTask(taskId, (t) => {
      const a = t.attempts.find((x) => x.n === attempt);
      if (a && (a.stopGateBlocks ?? 0) < count) a.stopGateBlocks = count;
    });
  }

  /** The host of a task's latest attempt (undefined: this machine). */
  private async hostOf(taskId: string): Promise<{ host: string | undefined; attempt: number | undefined }> {
    const att = (await this.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1);
    return { host: att?.host, attempt: att?.n };
  }

  /** Hosts whose sessions may be live: those of latest attempts that ran and have not been seen exit. */
  private async hostsInUse(): Promise<string[]> {
    const names = new Set<string>(this.remotes.keys());
    for (const t of (await this.registry.read()).tasks) {
      const a = t.attempts.at(-1);
      if (a?.host && a.session && a.session.state !== 'exited' && this.hosts.names().includes(a.host)) names.add(a.host);
    }
    return [...names];
  }

  spawn(spec: SpawnSpec & { host?: string }): Promise<RuntimeSession> {
    return spec.host ? this.remote(spec.host).spawn(spec) : this.local.spawn(spec);
  }

  private silent = new Set<string>();

  async list() {
    const silent = new Set<string>();
    const lists = await Promise.all([
      this.local.list(),
      // A host that does not answer lists nothing now, and is named in unanswered(): adoption
      // does not take its sessions for gone.
      ...(await this.hostsInUse()).map(async (h) => {
        const rows = await this.remote(h).panesOrNull().catch(() => null);
        if (!rows) silent.add(h);
        return rows ?? [];
      }),
    ]);
    this.silent = silent;
    return lists.flat();
  }

  /**
   * Where one task's session can be: its latest attempt's host (nothing there when that attempt
   * never had a session: a start claims the task, so no other process starts it meanwhile), or
   * this machine. One exec at most, where list() asks every host in use.
   */
  async listFor(taskId: string) {
    const att = (await this.registry.read()).tasks.find((t) => t.id === taskId)?.attempts.at(-1);
    if (!att?.host) return this.local.list();
    if (!att.session) return [];
    return (await this.remote(att.host).panesOrNull()) ?? [];
  }

  unanswered(): ReadonlySet<string> {
    return this.silent;
  }

  async follow(name: string, spec: Pick<SpawnSpec, 'logFile' | 'eventsFile'>): Promise<RuntimeSession | null> {
    const { host, attempt } = await this.hostOf(name);
    if (!host) return this.local.follow(name, spec);
    return this.remote(host).follow(name, { ...spec, ...(attempt !== undefined ? { attempt } : {}) });
  }

  outputAgeMs(name: string): number | undefined {
    for (const rt of this.remotes.values()) {
      const age = rt.outputAgeMs(name);
      if (age !== undefined) return age;
    }
    return undefined;
  }

  /** The local agents' log pipes (remote hosts run a writer per agent). */
  async repairLogs(options?: { onlyIfWriterGone?: boolean }): Promise<number> {
    return (await this.local.repairLogs?.(options)) ?? 0;
  }

  async close(options?: { killSessions?: boolean }): Promise<void> {
    await Promise.all([this.local.close(options), ...[...this.remotes.values()].map((r) => r.close(options))]);
  }
}
