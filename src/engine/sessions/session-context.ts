import type { EventBus, FleetEvent, FlotillaConfig, RepoPaths } from '../core/index.js';
import type { Runner } from '../exec/index.js';
import type { HostsPort, RegistryPort } from '../core/index.js';

/** What the session manager and its parts are built from. */
export interface SessionManagerContext {
  paths: RepoPaths;
  config: FlotillaConfig;
  registry: RegistryPort;
  events: EventBus<FleetEvent>;
  runner: Runner;
  /** Remote hosts (config `hosts`): attempts recorded with a host run in tmux there. */
  hosts?: HostsPort;
}
