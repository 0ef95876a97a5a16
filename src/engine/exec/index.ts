export { createRunner, type RunResult, type Runner } from './runner.js';
export { processAlive, processZombie } from './process-alive.js';
export { waitAtMost } from './wait-at-most.js';
export { processIsSame, processStartTime } from './process-alive.js';
export { attemptMarker, environMatches, findMarked, sweepMarked, type SweepMarker } from './sweep.js';
export { HolderWatchdog, processWatchdog } from './watchdog.js';
