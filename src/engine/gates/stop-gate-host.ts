import type { Attempt, FleetContext, Task } from '../core/index.js';
import { safeText } from '../core/index.js';
import { gateSpecText, hostHookFiles, hostHookScript } from '../sessions/index.js';
import type { CheckSpec } from '../forge/index.js';
import type { StopGateResult } from './stop-gate.js';

/**
 * `flotilla gate <task> --local` for an attempt on a host: the same gate the agent's Stop hook runs
 * there (assets/host/flotilla-hook.sh `gate`), in one exec over the host's master connection. The
 * exec puts the hook file in place when the host's copy is missing or of another version (its text
 * comes on stdin, read only then), writes the gate spec from the current config (the local gates,
 * `stopGate.maxBlocks`), and runs the gate in the worktree there: the same checks, the same text,
 * the same block count (the host's `.blocks` file, which the log copy brings back into
 * attempt.stopGateBlocks), the same exit codes (0 allow, 2 block).
 *
 * Run as `sh -c HOST_GATE_SCRIPT sh <hook file> <version line> <hooks dir> <spec file> <spec>`.
 */
export const HOST_GATE_SCRIPT = `H=$1 HV=$2 HD=$3 G=$4 GS=$5
umask 077
if [ -L "$H" ] || [ "$(sed -n 2p "$H" 2>/dev/null)" != "$HV" ]; then
{ mkdir -p -- "$(dirname -- "$H")" && rm -f -- "$H.new.$$" && cat > "$H.new.$$" && chmod 700 "$H.new.$$" && mv -f -- "$H.new.$$" "$H"; } || exit 7
fi
{ mkdir -p -- "$HD" && [ ! -L "$HD" ] && rm -f -- "$G.new.$$" && printf '%s' "$GS" > "$G.new.$$" && mv -f -- "$G.new.$$" "$G"; } || exit 7
exec sh "$H" gate "$G" </dev/null`;

/** `checks`: the local gates (localGateSpecs), which the spec carries to the host. */
export async function runStopGateOnHost(ctx: FleetContext, task: Task, attempt: Attempt & { host: string }, checks: readonly CheckSpec[]): Promise<StopGateResult> {
  if (!ctx.hosts) throw new Error(`task ${task.id} runs on host ${attempt.host}, and hosts are not available here`);
  const host = ctx.hosts.get(attempt.host);
  const layout = await host.layout();
  const files = hostHookFiles(layout.stateDir, task.id, attempt.n);
  const maxBlocks = ctx.config.stopGate.maxBlocks;
  const spec = gateSpecText({ worktree: attempt.worktree, attempt: attempt.n, maxBlocks, files, checks });
  const hook = hostHookScript();
  const r = await host.runner.run('sh', ['-c', HOST_GATE_SCRIPT, 'sh', files.script, hook.version, files.dir, files.gateSpec, spec], { input: hook.text, timeoutMs: 60 * 60_000 });
  // What the host printed (check output among it) goes through the sanitiser like a local check's.
  const said = safeText(r.exitCode === 2 ? r.stderr : r.stdout).trimEnd();
  const blocks = Number(/\(block (\d+) of/.exec(said)?.[1] ?? /(\d+)\/\d+ blocks used/.exec(said)?.[1] ?? attempt.stopGateBlocks ?? 0);
  if (r.exitCode === 0) return { decision: 'allow', text: said, blocks, maxBlocks, results: [] };
  if (r.exitCode === 2) return { decision: 'block', text: said, blocks, maxBlocks, results: [] };
  const why = safeText(r.error ?? r.stderr).trim().split('\n').at(-1) ?? '';
  throw new Error(`host ${attempt.host}: the stop gate could not run (exit ${r.exitCode ?? 'signal'}${why ? `: ${why}` : ''})`);
}
