// Cost: a usage ledger fed from the agents' own records, priced per model, rolled up per attempt,
// review and task. See docs/cost.md.
export { refreshCost, defaultCostSources, costStateFile, type CostSources, type RefreshOptions } from './refresh.js';
export { rollUp, summarize, combine, taskEffort } from './rollup.js';
export {
  PRICES_DATASET,
  PRICES_DATASET_VERSION,
  datasetPrice,
  LONG_CONTEXT_TOKENS,
  findPrice,
  normalizeModel,
  priceTable,
  priceTokens,
  type PriceTable,
  type TokenCounts,
} from './prices.js';
export { claudeProjectDirName } from '../agents/index.js';
export { UsageLedger, loadCostState, emptyCostState, listJsonl } from './ledger.js';
export { watchUsageLogs } from './watch.js';
export { formatUsd, formatTokens, taskCost, fleetCostSummary } from './format.js';
export type * from './types.js';
export { recordIntervention, type Intervention, type InterventionKind } from './interventions.js';
export type { CostReport } from './types.js';
