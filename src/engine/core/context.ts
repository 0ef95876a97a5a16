import type { Admission } from './admission-types.js';
import type { FlotillaConfig } from './config-schema.js';
import type { HostsPort } from './host-types.js';
import type { EventBus } from './event-bus.js';
import type { FleetEvent } from './events.js';
import type { GitPort, Notifier, RegistryPort } from './ports.js';
import type { RepoPaths } from './repo.js';
import type { Runner } from './runner.js';
import type { SessionManager } from './session-types.js';
import type { FleetStore } from './store.js';

/** What every command handler and service gets: the repository, config and shared clients. */
export interface FleetContext {
  cwd: string;
  paths: RepoPaths;
  config: FlotillaConfig;
  registry: RegistryPort;
  runner: Runner;
  git: GitPort;
  store: FleetStore;
  events: EventBus<FleetEvent>;
  /** Folder attempt worktrees are created under. */
  worktreeRoot: string;
  /** The one way to push a notification (store + event bus). */
  notifier: Notifier;
  /** Agent sessions (absent only in contexts built for a test that needs none). */
  sessions?: SessionManager;
  /** Remote hosts of config `hosts` (absent in contexts built for a test that needs none). */
  hosts?: HostsPort;
  /** The RAM-gated admission queue (absent only in contexts built for a test that needs none). */
  admission?: Admission;
  /** A host's build slots (checks of its attempts run there; builds/host-builds.ts); absent in bare test contexts. */
  hostBuilds?: (host: string) => Admission;
}
