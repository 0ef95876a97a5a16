export { evaluateGates, failureClassFor } from './evaluate.js';
export { BUILTIN_EVALUATORS, prGate, rebasedGate, ciGate, screenshotsGate, commandGate, reviewsUnavailable } from './builtin.js';
export { gateSpecs, type GateEvaluator, type GateEvaluators, type GateInput, type GateOutcome, type GateSpec, type GateVerdict } from './types.js';
export { globToRegExp, matchGlobs } from './glob.js';
export { runStopGate, localGateSpecs, type StopGateResult } from './stop-gate.js';
export { runStopGateOnHost } from './stop-gate-host.js';
