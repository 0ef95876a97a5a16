export { runMonitorPass, type PassOptions } from './pass.js';
export { createMonitor, startMonitor, type Monitor, type MonitorOptions, type AfterPassStep } from './monitor.js';
export { decide, type Decision, type SessionView } from './decide.js';
export { processAlive as pidAlive } from '../exec/process-alive.js';
export { probeAttempt, readBranchTips, conflictsWith, type AttemptProbe, type ConflictCache } from './probe.js';
export { needsHuman } from './human.js';
export { sessionView } from './session-view.js';
export type { MonitorChange, HumanItem, PassResult } from './types.js';
