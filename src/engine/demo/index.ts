export { createDemoRepo } from './setup.js';
export { DEMO_MERGES_FIRST, DEMO_TASKS } from './tasks.js';
