// The engine's public face, and the one door src/cli, src/ui and bench/ come in by.
// UI-free: nothing here may import ink, react or src/ui.
export * from './core/index.js';
export * from './fleet/index.js';
export * from './config/index.js';
export * from './tasks/index.js';
export * from './sessions/index.js';
export * from './builds/index.js';
export { runMonitorPass, startMonitor } from './monitor/index.js';
export { claudeProjectDirName, findPrice, priceTable, fleetCostSummary, formatTokens, formatUsd, listJsonl, refreshCost, taskCost, type CostReport } from './cost/index.js';
export { createRunner, findMarked } from './exec/index.js';
export { createDemoRepo, DEMO_MERGES_FIRST, DEMO_TASKS } from './demo/index.js';
export { forgeLine, mergeLocalPr, selectForge, spawnCheck } from './forge/index.js';
export { diffAttempts, parseAttemptRef, recordLearningIfReady } from './recovery/index.js';
export { runStopGate } from './gates/index.js';
export { GitClient } from './git/index.js';
export { readLearnings } from './prompt/index.js';
export { writeFileAtomic } from './fs/index.js';
export { ORCHESTRATOR_ID, prepareOrchestrator } from './orchestrator/index.js';
export { evaluateReviewsGate, reviewerSpec, reviewJson, reviewOf, reviewStatusView, type MergedFinding, type ReviewRecord, type ReviewProgress, visibleFindings } from './review/index.js';
export { terminalAlert } from './notify/index.js';
export { createAttemptWorktree } from './workspace/index.js';
export { BUILTIN_PROFILES, demoAgentPath, demoAgentProfile, profileNames, resolveProfile } from './agents/index.js';
export { findRepo } from './git/index.js';
export { recommendedOrder } from './radar/index.js';
export { agentPrograms, hostFindings, hostsReport, LOCAL_HOST, removedHostsInUse, removedHostsMessage, type HostFinding, type HostRow } from './hosts/index.js';
export { closeMaster, controlDir, controlPath, createHosts, type SshHost } from './hosts/index.js';
