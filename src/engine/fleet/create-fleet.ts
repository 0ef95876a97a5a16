import { existsSync } from 'node:fs';
import { initRepo } from '../config/index.js';
import { watch, type FSWatcher } from 'chokidar';
import { AdmissionQueue, createHostBuildQueue, idleAgentTasks } from '../builds/index.js';
import { loadConfig } from '../config/index.js';
import { defaultCostSources, refreshCost } from '../cost/index.js';
import { watchUsageLogs } from '../cost/index.js';
import { UsageError, errorMessage } from '../core/index.js';
import { createRunner, type Runner } from '../exec/index.js';
import { tightenPrivateDir } from '../fs/index.js';
import { GitClient } from '../git/index.js';
import { worktreeRootFor } from '../core/index.js';
import { createHosts } from '../hosts/index.js';
import { localGateSpecs } from '../gates/index.js';
import { findRepo } from '../git/index.js';
import { TaskRegistry } from '../tasks/index.js';
import { refuseRemovedHosts } from '../hosts/index.js';
import { dismissFinding, markFinding } from '../review/index.js';
import { runReview } from '../review/index.js';
import { retryTask } from '../recovery/index.js';
import { diffAttempts } from '../recovery/index.js';
import { createMonitor, type Monitor } from '../monitor/index.js';
import { previewPrompt } from '../prompt/index.js';
import { recoveryDeps, wireLoop } from './wire-loop.js';
import { mergeTrain } from './merge-train.js';
import { addTask } from './commands/task-add.js';
import { removeTasks } from './commands/task-remove.js';
import { sendToTask, startTask, stopTask, stopTasks } from './commands/task-session.js';
import { hostsQueueView } from './commands/place-start.js';
import { agentOverheadMB, createSessionManager, type SessionManagerOptions } from '../sessions/index.js';
import type { FleetContext } from '../core/index.js';
import { EventBus } from '../core/index.js';
import { createFleetStore } from '../core/index.js';
import { createNotifier } from '../core/index.js';
import { noteIntervention } from './interventions.js';
import type { FleetEvent } from '../core/index.js';
import type { CommandMap, CommandOf, CommandType } from './types.js';

export interface FleetOptions {
  cwd: string;
  runner?: Runner;
  /** Session runtime settings (runtime override, tmux socket, start size). */
  sessions?: SessionManagerOptions;
  /**
   * The process exits after one command (`flotilla check`): agents it would start on the pty
   * runtime die with it, so automatic retries are left to a process that stays (TUI, `watch`).
   */
  oneShot?: boolean;
  /**
   * A `task.start` that would wait for an agent slot leaves the task queued and returns instead
   * (the next monitor pass starts it); implied by oneShot. `task.start { wait }` overrides it.
   */
  queueStarts?: boolean;
}

type Handler<K extends CommandType> = (command: CommandOf<K>) => Promise<CommandMap[K]['result']>;
type Handlers = { [K in CommandType]: Handler<K> };

export interface Fleet extends FleetContext {
  dispatch<K extends CommandType>(command: CommandOf<K>): Promise<CommandMap[K]['result']>;
  /** True when a handler for the command is registered (capabilities land at different times). */
  supports(type: string): boolean;
  /** Re-reads the registry into the store. */
  refresh(): Promise<void>;
  /** Watches tasks.json so changes by other flotilla processes reach the store. */
  watchRegistry(): void;
  /** Refreshes cost (command cost.refresh) whenever an agent's usage log grows. */
  watchCost(): void;
  /** The deterministic monitor (one pass on `monitor.check`; a loop after startMonitor). */
  monitor: Monitor;
  /** FleetOptions.oneShot. */
  readonly oneShot: boolean;
  /** Adds a step run by close() (stop timers, watchers, sessions), last added first. */
  onClose(step: () => Promise<void> | void): void;
  close(): Promise<void>;
}

/** Builds the engine for the repository containing `cwd`. */
export async function createFleet(options: FleetOptions): Promise<Fleet> {
  const runner = options.runner ?? createRunner();
  const git = new GitClient(runner);
  const paths = await findRepo(git, options.cwd);
  // State files hold prompts and logs: the folder is ours alone, even when it was made 0755.
  await tightenPrivateDir(paths.stateDir);
  const config = await loadConfig(paths.configFile);
  const worktreeRoot = worktreeRootFor(paths.root, config.worktreeRoot);
  // Attempts made under the default root before the user set worktreeRoot stay valid.
  const defaultRoot = worktreeRootFor(paths.root, '');
  const registry = new TaskRegistry(paths.registryFile, { worktreeRoot, repoRoot: paths.root, alsoUnder: defaultRoot === worktreeRoot ? [] : [defaultRoot] });
  await refuseRemovedHosts(registry, config, paths.configFile);
  const store = createFleetStore(paths.root);
  const events = new EventBus<FleetEvent>();
  const closers: Array<() => Promise<void> | void> = [];
  let watcher: FSWatcher | null = null;
  let costWatching = false;

  const notifier = createNotifier(store, events);
  const admission = new AdmissionQueue({
    stateDir: paths.stateDir,
    configFile: paths.configFile,
    config,
    // Created just below; read when the recommendation is asked for.
    agentOverheadMB: () => agentOverheadMB(sessions.runtime),
    onWarning: (message) => events.emit({ type: 'error', message }),
    idleAgentTasks: async () => idleAgentTasks((await registry.read()).tasks),
    // Per host (config hosts): agents, memory above reserve and who waits why, for the panel and status.
    hostsView: () => hostsQueueView(fleet),
    onWaiting: (job, reason) =>
      events.emit({ type: 'admission.waiting', kind: job.kind, label: job.label, ...(job.taskId ? { taskId: job.taskId } : {}), reason }),
  });
  closers.push(() => admission.close());
  const hosts = createHosts({ config, repoRoot: paths.root, stateDir: paths.stateDir });
  // After the sessions (closers run last first): their last log copy uses the hosts' channels.
  closers.push(() => hosts.close());
  // Checks of an attempt on a host queue for that host's build slots, made on first use.
  const hostQueues = new Map<string, AdmissionQueue>();
  const hostBuilds = (name: string): AdmissionQueue => {
    let queue = hostQueues.get(name);
    if (!queue) {
      queue = createHostBuildQueue({
        host: hosts.get(name),
        stateDir: paths.stateDir,
        configFile: paths.configFile,
        config,
        peaks: admission.peaks,
        onWarning: (message) => events.emit({ type: 'error', message: `host ${name}: ${message}` }),
        onWaiting: (job, reason) =>
          events.emit({ type: 'admission.waiting', kind: job.kind, label: job.label, ...(job.taskId ? { taskId: job.taskId } : {}), reason: `host ${name}: ${reason}` }),
      });
      hostQueues.set(name, queue);
    }
    return queue;
  };
  closers.push(async () => {
    await Promise.all([...hostQueues.values()].map((q) => q.close()));
  });
  const sessions = createSessionManager({ paths, config, registry, events, runner, hosts, stopGateChecks: () => localGateSpecs({ config }) }, options.sessions);
  closers.push(() => sessions.close());

  async function refresh(): Promise<void> {
    try {
      const data = await registry.read();
      store.setState({ tasks: data.tasks, loadedAt: new Date().toISOString(), error: null });
    } catch (err) {
      // Keep the last good snapshot; say what is wrong.
      store.setState({ error: errorMessage(err) });
      events.emit({ type: 'error', message: errorMessage(err) });
    }
  }


  /** `rm` of these tasks: each one's session stopped first; problems left behind are error events. */
  async function removeMany(ids: readonly string[], keepWorktrees: boolean) {
    const outcomes = await removeTasks(fleet, ids, keepWorktrees, async (id) => {
      if (await sessions.isAlive(id)) await sessions.stop(id);
    });
    await refresh();
    for (const o of outcomes) {
      if (o.failure) continue;
      events.emit({ type: 'task.removed', id: o.id });
      for (const p of o.problems) events.emit({ type: 'error', message: p });
    }
    return outcomes;
  }

  const handlers: Handlers = {
    'task.add': async ({ input }) => {
      // The first task in a repository never set up: set it up now (config defaults, MEMORY.md,
      // .flotilla/ excluded from git), as `flotilla init` would.
      if (!existsSync(paths.stateDir)) await initRepo(git, paths);
      const task = await addTask(fleet, input);
      await refresh();
      events.emit({ type: 'task.added', task });
      return task;
    },
    'task.remove': async ({ id, keepWorktrees }) => {
      const [outcome] = await removeMany([id], keepWorktrees ?? false);
      if (outcome!.failure) throw outcome!.failure;
    },
    // Several at once: each task's processes and worktrees go in turn, the registry is written once.
    'task.remove-many': async ({ ids, keepWorktrees }) =>
      (await removeMany(ids, keepWorktrees ?? false)).map(({ id, failure }) =>
        failure ? { id, ok: false, error: errorMessage(failure).split('\n')[0] ?? 'failed', usage: failure instanceof UsageError } : { id, ok: true },
      ),
    'fleet.refresh': async () => refresh(),
    'task.start': async ({ id, wait, host }) => {
      const info = await startTask(fleet, id, { wait: wait ?? !(options.queueStarts || options.oneShot), ...(host ? { host } : {}) });
      await refresh();
      return info;
    },
    // task.stop and task.send are what people do (CLI, TUI); flotilla's own stops go to the
    // session manager directly. Both count as interventions (cost effort).
    'task.stop': async ({ id }) => {
      try {
        await stopTask(fleet, id, true);
      } finally {
        await refresh();
      }
    },
    // Several at once: the agents end in parallel, the registry is written once for all of them.
    'task.stop-many': async ({ ids, concurrency }) => {
      try {
        return await stopTasks(fleet, ids, { intervention: true, ...(concurrency ? { concurrency } : {}) });
      } finally {
        await refresh();
      }
    },
    'task.send': async ({ id, text, enter }) => {
      await sendToTask(fleet, id, text, enter ?? true);
      await noteIntervention(fleet, id, 'send');
    },
    'notify.push': async ({ notification }) => {
      notifier.push(notification);
    },
    'cost.refresh': async () => {
      const report = await refreshCost(fleet);
      await refresh();
      return report;
    },
    'task.review': async ({ id, roles, onProgress }) => {
      // close() cancels a running review (its reviewer process groups are killed).
      const cancel = new AbortController();
      const abort = () => cancel.abort();
      closers.push(abort);
      try {
        const review = await runReview(fleet, id, { roles, signal: cancel.signal, onProgress });
        await refresh();
        return review;
      } finally {
        const i = closers.indexOf(abort);
        if (i >= 0) closers.splice(i, 1);
      }
    },
    'review.mark': async ({ id, finding, mark }) => {
      const f = await markFinding(fleet, id, finding, mark);
      await refresh();
      return f;
    },
    'review.dismiss': async ({ id, finding, undo }) => {
      const f = await dismissFinding(fleet, id, finding, undo);
      await refresh();
      return f;
    },
    'task.retry': async ({ type: _type, id, ...options }) => {
      try {
        return await retryTask(fleet, id, options, recoveryDeps(fleet));
      } finally {
        await refresh();
      }
    },
    'task.diff': async ({ id, a, b, color }) => diffAttempts(fleet, id, a, b, { color: color ?? false }),
    'monitor.check': async () => monitor.runPass(),
    'task.prompt': async ({ id }) => previewPrompt(fleet, id),
    'task.merge': async ({ ids }) => {
      try {
        return await mergeTrain(fleet, ids);
      } finally {
        await refresh();
      }
    },
  };

  // Session status lands in the registry first; the store follows.
  events.on((e) => {
    if (e.type === 'session.status') void refresh();
  });

  await refresh();

  // The one fleet object: the context every capability is handed, the monitor's and recovery's alike.
  const fleet: Fleet = {
    cwd: options.cwd,
    paths,
    config,
    registry,
    runner,
    git,
    store,
    events,
    notifier,
    worktreeRoot,
    sessions,
    admission,
    hostBuilds,
    hosts,
    get monitor() {
      return monitor;
    },
    oneShot: options.oneShot ?? false,
    dispatch: <K extends CommandType>(command: CommandOf<K>) => (handlers[command.type] as Handler<K>)(command),
    supports: (type: string) => Object.hasOwn(handlers, type),
    refresh,
    watchRegistry() {
      if (watcher) return;
      watcher = watch(paths.registryFile, { ignoreInitial: true, awaitWriteFinish: false });
      const onChange = () => {
        void refresh().then(() => events.emit({ type: 'registry.changed' }));
      };
      watcher.on('add', onChange).on('change', onChange);
      closers.push(() => watcher?.close());
    },
    watchCost() {
      if (costWatching) return;
      costWatching = true;
      const stop = watchUsageLogs(defaultCostSources(fleet), () => {
        refreshCost(fleet)
          .then(() => refresh())
          .then(() => events.emit({ type: 'registry.changed' }))
          .catch((err) => events.emit({ type: 'error', message: `cost: ${errorMessage(err)}` }));
      });
      closers.push(stop);
    },
    onClose(step) {
      closers.push(step);
    },
    async close() {
      for (const step of closers.reverse()) {
        try {
          await step();
        } catch {
          // Keep closing the rest.
        }
      }
      closers.length = 0;
    },
  };
  const monitor = createMonitor(fleet, { refresh });
  wireLoop(fleet);
  return fleet;
}
