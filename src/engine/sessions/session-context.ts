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
  /**
   * The fast local gates the stop gate runs (gates/stop-gate.ts localGateSpecs): an agent on a
   * host gets them in its gate spec there. Absent: the gate there checks uncommitted changes only.
   */
  stopGateChecks?: () => ReadonlyArray<{ name: string; command: readonly string[]; timeoutSec: number }>;
}
