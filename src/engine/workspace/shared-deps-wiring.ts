import { errorMessage } from '../core/index.js';
import type { Task } from '../core/index.js';
import { makePrivateIfChanged, watchDependencyChanges, type DependencyWatcher } from './dependency-watcher.js';
import { linkSharedDependencies, type SharedDepsContext, type SharedDepsRecord } from './shared-deps.js';
import type { PrepareAttemptContext } from './prepare-attempt.js';
import type { FleetContext, RemoteHostPort } from '../core/index.js';
import { linkSharedDependenciesOnHost } from './host-shared-deps.js';
import { hostLockfileChange, makePrivateOnHost, type HostWorktreeFacts } from './host-lockfile.js';

/** Whether config asks for any sharing (node_modules or extra folders). */
export function sharingWanted(ctx: Pick<FleetContext, 'config'>): boolean {
  return ctx.config.shared.nodeModules || ctx.config.shared.folders.length > 0;
}

function depsContext(ctx: FleetContext): SharedDepsContext {
  return { config: ctx.config, registry: ctx.registry, runner: ctx.runner, ...(ctx.admission ? { admission: ctx.admission } : {}) };
}

/**
 * Call once a new attempt worktree is recorded on its task: links the shared node_modules and
 * folders. Never fails the caller (no lockfile means nothing to share; any other problem is an
 * error event and a note on the task).
 */
export async function setUpSharedDependencies(ctx: FleetContext, worktree: string, taskId: string): Promise<SharedDepsRecord | null> {
  if (!sharingWanted(ctx)) return null;
  try {
    return await linkSharedDependencies(depsContext(ctx), worktree, taskId);
  } catch (err) {
    ctx.events.emit({ type: 'error', message: `task ${taskId}: shared dependencies not set up in ${worktree}: ${errorMessage(err)}` });
    return null;
  }
}

/** setUpSharedDependencies for an attempt on a host (host-shared-deps.ts). */
export async function setUpSharedDependenciesOnHost(ctx: FleetContext, host: RemoteHostPort, worktree: string, startSha: string, taskId: string): Promise<SharedDepsRecord | null> {
  if (!sharingWanted(ctx)) return null;
  try {
    const admission = ctx.hostBuilds?.(host.name);
    return await linkSharedDependenciesOnHost({ config: ctx.config, repoRoot: ctx.paths.root, runner: ctx.runner, host, registry: ctx.registry, worktree, startSha, taskId, ...(admission ? { admission } : {}) });
  } catch (err) {
    ctx.events.emit({ type: 'error', message: `task ${taskId}: shared dependencies not set up in ${worktree} on host ${host.name}: ${errorMessage(err)}` });
    return null;
  }
}

interface SharedAttempt {
  worktree: string;
  hash: string;
  packageHash: string | null;
}

/** The latest attempt's shared link as recorded, or null when it does not link to the store. */
function sharedAttempt(task: Task): SharedAttempt | null {
  const a = task.attempts.at(-1);
  const rec = a?.sharedDeps;
  // An attempt on a host is followed through the pass's probe of it (checkHosts).
  if (!a || a.host || rec?.mode !== 'shared' || !rec.hash) return null;
  return { worktree: a.worktree, hash: rec.hash, packageHash: rec.packageHash ?? null };
}

function liveSession(task: Task): boolean {
  const s = task.attempts.at(-1)?.session;
  return Boolean(s && s.state !== 'exited');
}

/**
 * Notices an agent's change to the lockfile or package.json of a shared worktree.
 * - `watch()` (a running loop: TUI, `watch`): one chokidar watcher per live attempt worktree that
 *   links to the store, closed when its session exits or the fleet closes.
 * - `checkOnce()` (one-shot passes: `check`): compares the lockfile hash with the linked store's.
 */
export function createDependencyFollower(ctx: FleetContext) {
  const watchers = new Map<string, { worktree: string; watcher: DependencyWatcher }>();
  // Attempts on hosts: the install under way (one at a time each), and the head last compared.
  const onHosts = new Map<string, Promise<void>>();
  const checkedHeads = new Map<string, string>();

  const stop = async (taskId: string): Promise<void> => {
    const w = watchers.get(taskId);
    if (!w) return;
    watchers.delete(taskId);
    await w.watcher.close().catch(() => undefined);
  };

  return {
    /** Starts watchers for live shared attempts and closes those whose session ended. */
    async watch(tasks: Task[]): Promise<void> {
      if (!ctx.config.shared.nodeModules) return;
      for (const task of tasks) {
        const shared = liveSession(task) ? sharedAttempt(task) : null;
        const current = watchers.get(task.id);
        if (current && current.worktree === shared?.worktree) continue;
        await stop(task.id);
        if (!shared) continue;
        const watcher = watchDependencyChanges(depsContext(ctx), shared.worktree, task.id, {
          // Recorded on the task (attempt.sharedDeps, task.notes); nothing shared is left to watch.
          onPrivate: () => void stop(task.id),
        });
        watchers.set(task.id, { worktree: shared.worktree, watcher });
        await watcher.ready;
      }
      const known = new Set(tasks.map((t) => t.id));
      for (const id of [...watchers.keys()]) if (!known.has(id)) await stop(id);
    },

    /** Closes the watcher of a task (its session exited). */
    stop,

    /** One comparison per shared attempt: lockfile (or package.json) changed means a private install. */
    async checkOnce(tasks: Task[]): Promise<void> {
      if (!ctx.config.shared.nodeModules) return;
      for (const task of tasks) {
        const shared = sharedAttempt(task);
        if (!shared || watchers.has(task.id)) continue;
        try {
          await makePrivateIfChanged(depsContext(ctx), shared.worktree, task.id, shared);
        } catch (err) {
          ctx.events.emit({ type: 'error', message: `task ${task.id}: dependency check in ${shared.worktree}: ${errorMessage(err)}` });
        }
      }
    },

    /**
     * Attempts on hosts, from the pass's probe of them (host-lockfile.ts): a lockfile or
     * package.json that no longer matches the linked store makes the install there private. `wait`
     * (a one-shot pass) waits for the install; a running loop lets it run and goes on.
     */
    async checkHosts(tasks: Task[], facts: readonly HostWorktreeFacts[], o: { wait: boolean }): Promise<void> {
      if (!ctx.config.shared.nodeModules || !ctx.hosts) return;
      for (const f of facts) {
        const task = tasks.find((t) => t.id === f.taskId);
        const a = task?.attempts.at(-1);
        const linked = a?.sharedDeps;
        const key = `${f.taskId}:${a?.n}`;
        if (!a || a.host !== f.host || a.worktree !== f.worktree || linked?.mode !== 'shared' || !linked.hash || onHosts.has(key)) continue;
        const work = (async () => {
          const change = await hostLockfileChange(ctx.runner, ctx.paths.root, linked, f, checkedHeads.get(key));
          if (f.head) checkedHeads.set(key, f.head);
          if (!change) return;
          const admission = ctx.hostBuilds?.(f.host);
          await makePrivateOnHost({ config: ctx.config, registry: ctx.registry, host: ctx.hosts!.get(f.host), ...(admission ? { admission } : {}), facts: f, linked, change });
          checkedHeads.delete(key);
        })()
          .catch((err) => ctx.events.emit({ type: 'error', message: `task ${f.taskId}: dependency check in ${f.worktree} on host ${f.host}: ${errorMessage(err)}` }))
          .finally(() => onHosts.delete(key));
        onHosts.set(key, work);
        if (o.wait) await work;
      }
    },

    async close(): Promise<void> {
      await Promise.all([...watchers.keys()].map((id) => stop(id)));
    },
  };
}

/** What `prepareAttempt` needs, from the fleet: git, the runner, the bootstrap config and shared dependencies. */
export function attemptPreparation(ctx: FleetContext): PrepareAttemptContext {
  return {
    git: ctx.git,
    runner: ctx.runner,
    repoRoot: ctx.paths.root,
    bootstrap: ctx.config.bootstrap,
    env: ctx.config.env,
    shareDependencies: (worktree, taskId) => setUpSharedDependencies(ctx, worktree, taskId),
    shareDependenciesOnHost: (host, worktree, startSha, taskId) => setUpSharedDependenciesOnHost(ctx, host, worktree, startSha, taskId),
  };
}
