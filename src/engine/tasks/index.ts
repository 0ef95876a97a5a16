export { TaskRegistry, parseRegistry, findTask } from './registry.js';
export { transition, canTransition, TransitionError } from './state-machine.js';
export {
  TASK_STATES,
  SESSION_STATES,
  ATTEMPT_STATES,
  GATE_STATES,
  REGISTRY_VERSION,
  emptyRegistry,
  taskSchema,
  attemptSchema,
  registrySchema,
  type Task,
  type TaskState,
  type Attempt,
  type AttemptState,
  type SessionInfo,
  type SessionState,
  type GateResult,
  type GateState,
  type PullRequest,
  type CheckRun,
  type Failure,
  type Enrichment,
  type Transition,
  type RegistryData,
} from '../core/index.js';
export { blockedReason, dependencyStartPoint, findDependencyCycle, pendingDependencies } from './dependencies.js';
export { newAttempt, newTask } from './factory.js';
