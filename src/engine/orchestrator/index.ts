export { ORCHESTRATOR_ID, isOrchestrator, prepareOrchestrator } from './task.js';
