export { runMonitorPass, type PassOptions } from './pass.js';
export { createMonitor, startMonitor, type Monitor, type MonitorOptions, type AfterPassStep } from './monitor.js';
export { decide, type Decision, type SessionView } from './decide.js';
export { needsHuman } from './human.js';
export { sessionView } from './session-view.js';
export type { MonitorChange, HumanItem, PassResult } from '../core/index.js';
