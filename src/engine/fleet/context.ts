import type { Admission } from '../builds/types.js';
import type { FlotillaConfig } from '../config/schema.js';
import type { Runner } from '../exec/runner.js';
import type { GitClient } from '../git/git-client.js';
import type { RepoPaths } from '../repo.js';
import type { SessionManager } from '../sessions/types.js';
import type { TaskRegistry } from '../tasks/registry.js';
import type { EventBus } from './event-bus.js';
import type { FleetStore } from './store.js';
import type { FleetEvent } from './types.js';

/** What every command handler and service gets: the repository, config and shared clients. */
export interface FleetContext {
  cwd: string;
  paths: RepoPaths;
  config: FlotillaConfig;
  registry: TaskRegistry;
  runner: Runner;
  git: GitClient;
  store: FleetStore;
  events: EventBus<FleetEvent>;
  /** Folder attempt worktrees are created under. */
  worktreeRoot: string;
  /** Agent sessions (set by createFleet once the agents capability is wired). */
  sessions?: SessionManager;
  /** The RAM-gated admission queue (set by createFleet once the builds capability is wired). */
  admission?: Admission;
}
