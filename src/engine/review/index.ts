// The review capability: reviewers by role, findings, consensus, calibration, the reviews gate.
export { runReview, MAX_TRIES, type RunReviewOptions, type ReviewProgress } from './run.js';
export { reviewerFailureText, formatTimeout } from './failure.js';
export { evaluateReviewsGate, blockingFindings, isBlocking, reviewFindingsText, reviewStatusView, reviewDue } from './gate.js';
export { recordActedOn, parseChangedRanges, wasActedOn } from './acted-on.js';
export { dismissFinding, markFinding, findFinding, currentCalibration } from './actions.js';
export { applyFolding } from './fold.js';
export {
  calibrationFile,
  readCalibration,
  recordOutcomes,
  trustFrom,
  shouldFold,
  isLowPrecision,
  LOW_PRECISION,
  MIN_SAMPLES,
  PRIOR_TRUST,
  type CalibrationData,
  type CalibrationEntry,
  type Outcome,
} from './calibration.js';
export { buildConsensus, normaliseCategory, findingId, type MergedFinding, type SourcedFinding, type FindingMark, type FindingSource } from './consensus.js';
export { parseReviewerOutput, ReviewOutputError, SEVERITIES, type Severity, type RawFinding, type ParsedReview, type ReviewerUsage } from './parse.js';
export { DEFAULT_REVIEWERS, reviewersOf, reviewerSpec, reviewerArgv, type ReviewerSpec } from './roles.js';
export { reviewOf, type ReviewRecord, type ReviewError, type ReviewRunRecord, type DiffSummary, type PostedReview } from './types.js';
export { reviewJson, visibleFindings } from './view.js';
