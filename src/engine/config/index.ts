export { loadConfig, parseConfig, defaultConfig, writeConfig } from './load.js';
export {
  configSchema,
  profileSchema,
  BUILTIN_GATES,
  FAILURE_CLASSES,
  JOB_KINDS,
  type FlotillaConfig,
  type ConfigInput,
  type ProfileConfig,
  type CheckConfig,
  type GateConfig,
  type ReviewerConfig,
  type ModelPriceConfig,
  type FailureClass,
  type JobKind,
} from '../core/index.js';
export { initRepo, MEMORY_TEMPLATE } from './init.js';
