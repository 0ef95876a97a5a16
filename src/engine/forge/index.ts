export type { Forge, ForgeTarget, CiStatus, ForgeDegraded, ForgeResult } from './types.js';
export { isDegraded, summariseChecks } from './types.js';
export { createLocalForge, describeBranch } from './local.js';
export { createGithubForge, type GithubForgeOptions } from './github.js';
export { forgeLine, selectForge, type ForgeChoice } from './select.js';
export { spawnCheck, runCheckAdmitted, checkFileName, type CheckSpec, type CheckOutcome, type SpawnCheck } from './run-check.js';
export { readPrTemplate, templateHeadings, missingHeadings, composePrBody, TEMPLATE_PATHS } from './pr-body.js';
export { parsePrList, parsePrChecks, runIdFromLink, isGithubRemote, GhOutputError } from './parse-gh.js';
export { mergeLocalPr, type MergeResult } from './merge-local.js';
