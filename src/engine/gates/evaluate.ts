import type { FailureClass } from '../core/index.js';
import type { GateResult } from '../core/index.js';
import { BUILTIN_EVALUATORS, commandGate } from './builtin.js';
import { gateSpecs, type GateEvaluators, type GateOutcome, type GateInput, type GateVerdict } from './types.js';

/** Which failure class a failing gate gives the attempt (recovery decides what to do with it). */
export function failureClassFor(gate: string, kind: 'builtin' | 'command'): FailureClass {
  if (kind === 'command') return 'ci_failed';
  if (gate === 'rebased') return 'conflicts';
  if (gate === 'ci') return 'ci_failed';
  return 'review_flagged';
}

/**
 * Evaluates the configured gates (config.gates) in order. `evaluators` overrides or adds built-in
 * evaluators by name (e.g. `reviews` from the review capability). `since` is kept while a gate's
 * state does not change.
 */
export async function evaluateGates(input: GateInput, evaluators: GateEvaluators = {}, now = new Date()): Promise<GateVerdict> {
  const results: Record<string, GateResult> = {};
  let failure: GateVerdict['failure'] = null;
  let anyPending = false;
  for (const spec of gateSpecs(input.ctx.config.gates)) {
    const evaluate = spec.kind === 'command' ? commandGate : (evaluators[spec.name] ?? BUILTIN_EVALUATORS[spec.name]);
    let result: GateOutcome;
    try {
      result = evaluate ? await evaluate(input, spec) : { state: 'skip', detail: `unknown gate "${spec.name}"` };
    } catch (err) {
      result = { state: 'pending', detail: `could not evaluate: ${(err as Error).message.split('\n')[0]}` };
    }
    const before = input.task.gates[spec.name];
    const since = before && before.state === result.state && before.since ? before.since : now.toISOString();
    results[spec.name] = { ...result, since };
    if (result.state === 'fail' && !failure) {
      const output = (result as { output?: string }).output;
      failure = {
        class: (result as { failureClass?: FailureClass }).failureClass ?? failureClassFor(spec.name, spec.kind),
        gate: spec.name,
        evidence: `gate ${spec.name}: ${result.detail}${output ? `\n${output}` : ''}`,
      };
    }
    if (result.state === 'pending') anyPending = true;
  }
  return { verdict: failure ? 'fail' : anyPending ? 'pending' : 'pass', results, failure };
}
