export { createFleet, type Fleet, type FleetOptions } from './create-fleet.js';
export { EventBus } from './event-bus.js';
export { createFleetStore, type FleetStore } from './store.js';
export type { FleetContext } from './context.js';
export type {
  FleetState,
  FleetNotification,
  FleetCommand,
  FleetEvent,
  CommandMap,
  CommandType,
  CommandOf,
  AddTaskInput,
} from './types.js';
export { startedSession, type StartResult } from './commands/task-session.js';
