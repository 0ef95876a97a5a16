export { createRunner, type RunResult, type Runner } from './runner.js';
export { processAlive, processZombie } from './process-alive.js';
export { waitAtMost } from './wait-at-most.js';
