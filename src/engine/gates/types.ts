import type { FailureClass, GateConfig } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import type { CiStatus, ForgeDegraded } from '../forge/index.js';
import type { SpawnCheck } from '../forge/index.js';
import type { AttemptProbe } from '../git/index.js';
import type { Attempt, GateResult, GateState, PullRequest, Task } from '../core/index.js';

/** What a gate evaluator sees: the task, what git and the forge said this pass. */
export interface GateInput {
  ctx: FleetContext;
  task: Task;
  attempt: Attempt;
  probe: AttemptProbe;
  pr: PullRequest | null;
  /** Why there is no PR (forge degraded), if so. */
  prProblem: string | null;
  ci: CiStatus | ForgeDegraded | null;
  /** Spawns custom gate commands (injected by tests and the bench). */
  spawn?: SpawnCheck;
  signal?: AbortSignal;
}

/** A gate as configured: a built-in name or a custom command. */
export type GateSpec =
  | { kind: 'builtin'; name: string; uiGlobs?: string[]; requireTemplate?: boolean }
  | { kind: 'command'; name: string; command: string[]; timeoutSec: number; local: boolean };

/** Evaluates one gate. Pluggable: e.g. `reviews` is supplied by the review capability. */
export type GateEvaluator = (input: GateInput, spec: GateSpec) => Promise<GateOutcome>;

/** A gate's state and one-line detail; evaluators may add fields (files, headSha, log, output). */
export interface GateOutcome {
  state: GateState;
  detail: string;
  [extra: string]: unknown;
}

export type GateEvaluators = Partial<Record<string, GateEvaluator>>;

export interface GateVerdict {
  /** pass: every gate passed or was skipped; fail: at least one failed; pending: waiting on something. */
  verdict: 'pass' | 'fail' | 'pending';
  results: Record<string, GateResult>;
  /** The first failing gate's failure class and evidence (for attempt.failure). */
  failure: { class: FailureClass; evidence: string; gate: string } | null;
}

export function gateSpecs(config: readonly GateConfig[]): GateSpec[] {
  return config.map((g) => {
    if (typeof g === 'string') return { kind: 'builtin', name: g };
    if ('command' in g) return { kind: 'command', name: g.name, command: [...g.command], timeoutSec: g.timeoutSec, local: g.local };
    return { kind: 'builtin', name: g.name, ...(g.uiGlobs ? { uiGlobs: g.uiGlobs } : {}), ...(g.requireTemplate !== undefined ? { requireTemplate: g.requireTemplate } : {}) };
  });
}
