export { extractFailingTests, formatFailingTest, FAILING_TESTS_CAP, type FailingTest, type TestRunner } from './test-names.js';
export { stripAnsi, tailText, capText } from './text.js';
export {
  agentCliOf,
  classifyEnvironment,
  CONTINUE_TEXT,
  ENVIRONMENT_MESSAGES,
  parseResetTime,
  type AgentCli,
  type EnvironmentFailure,
  type EnvironmentMessages,
} from './environment.js';
export { readTail } from './files.js';
export {
  classifyFailure,
  findContextExhausted,
  blockingFindings,
  failingChecks,
  CONTEXT_EXHAUSTED_PATTERNS,
  HUMAN_CLASSES,
  type ClassifyInput,
  type ReviewFinding,
} from './classify.js';
export { buildEnrichment, checkFileScope, conflictingFiles, DEFAULT_CAPS, DOC_FILE_CAP, type EnrichInput, type EnrichCaps } from './enrich.js';
export { autoRetryPass } from './auto-retry.js';
export { capReached, ciRoundsUsed, sessionAlive, CONTINUE_FROM_BRANCH } from './retry-policy.js';
export {
  retryTask,
  autoRetryTask,
  classifyLatest,
  type RetryOptions,
  type RetryResult,
  type DeferredRetry,
  type RecoveryFleet,
  type RecoveryDeps,
} from './retry.js';
export { defaultEscalationNotifier, claimNotification, markEscalated, summariseAttempts, type EscalationNotice, type EscalationNotifier } from './escalate.js';
export { recordLearningIfReady, addToMemory, learningSentence, recoveredClass } from './learn.js';
export { diffAttempts, parseAttemptRef, type AttemptDiff } from './diff.js';
export { recoveryChange } from './report.js';
