export { createFleet, type Fleet, type FleetOptions } from './create-fleet.js';
export type { CommandMap, CommandType, CommandOf, FleetCommand, AddTaskInput } from './types.js';
export { noteIntervention } from './interventions.js';
export { startedSession, type StartResult, type StopOutcome } from './commands/task-session.js';
