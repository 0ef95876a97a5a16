import type { EventBus, FleetEvent, FlotillaConfig, RepoPaths } from '../core/index.js';
import type { Runner } from '../exec/index.js';
import type { RegistryPort } from '../core/index.js';

/** What the session manager and its parts are built from. */
export interface SessionManagerContext {
  paths: RepoPaths;
  config: FlotillaConfig;
  registry: RegistryPort;
  events: EventBus<FleetEvent>;
  runner: Runner;
}
