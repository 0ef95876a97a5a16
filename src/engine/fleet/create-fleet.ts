import { randomUUID } from 'node:crypto';
import { watch, type FSWatcher } from 'chokidar';
import { loadConfig } from '../config/load.js';
import { errorMessage } from '../errors.js';
import { createRunner, type Runner } from '../exec/runner.js';
import { GitClient } from '../git/git-client.js';
import { findRepo, worktreeRootFor } from '../repo.js';
import { TaskRegistry } from '../tasks/registry.js';
import { addTask } from './commands/task-add.js';
import { removeTask } from './commands/task-remove.js';
import type { FleetContext } from './context.js';
import { EventBus } from './event-bus.js';
import { createFleetStore, pushNotification } from './store.js';
import type { CommandMap, CommandOf, CommandType, FleetEvent } from './types.js';

export interface FleetOptions {
  cwd: string;
  runner?: Runner;
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
  /** Adds a step run by close() (stop timers, watchers, sessions), last added first. */
  onClose(step: () => Promise<void> | void): void;
  close(): Promise<void>;
}

/** Builds the engine for the repository containing `cwd`. */
export async function createFleet(options: FleetOptions): Promise<Fleet> {
  const runner = options.runner ?? createRunner();
  const git = new GitClient(runner);
  const paths = await findRepo(git, options.cwd);
  const config = await loadConfig(paths.configFile);
  const registry = new TaskRegistry(paths.registryFile);
  const store = createFleetStore(paths.root);
  const events = new EventBus<FleetEvent>();
  const closers: Array<() => Promise<void> | void> = [];
  let watcher: FSWatcher | null = null;

  const ctx: FleetContext = {
    cwd: options.cwd,
    paths,
    config,
    registry,
    runner,
    git,
    store,
    events,
    worktreeRoot: worktreeRootFor(paths.root, config.worktreeRoot),
  };

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

  const handlers: Handlers = {
    'task.add': async ({ input }) => {
      const task = await addTask(ctx, input);
      await refresh();
      events.emit({ type: 'task.added', task });
      return task;
    },
    'task.remove': async ({ id, keepWorktrees }) => {
      const problems = await removeTask(ctx, id, keepWorktrees ?? false);
      await refresh();
      events.emit({ type: 'task.removed', id });
      for (const p of problems) events.emit({ type: 'error', message: p });
    },
    'fleet.refresh': async () => refresh(),
    'notify.push': async ({ notification }) => {
      const full = { ...notification, id: randomUUID(), at: new Date().toISOString() };
      pushNotification(store, full);
      events.emit({ type: 'notification', notification: full });
    },
  };

  await refresh();

  return {
    ...ctx,
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
}
