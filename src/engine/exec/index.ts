export {
  createRunner,
  localTransport,
  runChecked,
  runCommand,
  startErrorMessage,
  type Command,
  type CommandResult,
  type ProcessExit,
  type RunOptions,
  type RunResult,
  type Runner,
  type StartedProcess,
  type Transport,
} from './runner.js';
export { groupAlive, killProcessGroup, signalGroup, terminateGroup } from './kill-group.js';
export { processAlive, processZombie } from './process-alive.js';
export { waitAtMost } from './wait-at-most.js';
export { processIsSame, processStartTime } from './process-alive.js';
export { attemptMarker, environMatches, findMarked, sweepMarked, type SweepMarker } from './sweep.js';
export { HolderWatchdog, processWatchdog } from './watchdog.js';
