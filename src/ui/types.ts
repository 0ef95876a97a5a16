import type { StoreApi } from 'zustand/vanilla';
import type { Admission } from '../engine/index.js';
import type { FlotillaConfig } from '../engine/index.js';
import type { FleetEvent, FleetState } from '../engine/index.js';
import type { SessionManager } from '../engine/index.js';

/**
 * What the fleet view needs from the engine. `createFleet()` returns a superset; tests pass a small
 * fake. Sessions and admission are optional: the capabilities land at different times.
 */
export interface UiFleet {
  store: StoreApi<FleetState>;
  config: FlotillaConfig;
  /** Where MEMORY.md lives (absent in small fakes: the memory key says so). */
  paths?: { memoryFile: string };
  sessions?: SessionManager;
  admission?: Admission;
  // Commands are dispatched by name; the UI never needs their static types.
  dispatch(command: any): Promise<unknown>;
  /** The engine's event stream; background errors from it show in the status bar. */
  events?: { on(listener: (event: FleetEvent) => void): () => void };
  /** True when the engine has a handler for the command (absent on older engines: assume yes). */
  supports?(type: string): boolean;
}

/** What the fleet view asks its host (run-app) to do outside Ink. */
export type UiRequest =
  | { kind: 'quit' }
  | { kind: 'attach'; taskId: string }
  | { kind: 'editor' }
  | { kind: 'memory'; file: string };

export interface TermSize {
  columns: number;
  rows: number;
}
