import { errorMessage } from '../core/index.js';
import type { FleetContext } from '../core/index.js';
import { selectForge } from '../forge/index.js';
import type { Forge } from '../forge/index.js';
import type { SpawnCheck } from '../forge/index.js';
import type { GateEvaluator, GateEvaluators } from '../gates/index.js';
import { needsHuman } from './human.js';
import { runMonitorPass } from './pass.js';
import type { ConflictCache } from '../git/index.js';
import type { PassResult } from '../core/index.js';
import type { RadarCache } from '../radar/index.js';

/** A step run after each pass (e.g. recovery acting on attempt.failure). Errors are reported, not thrown. */
export type AfterPassStep = (result: PassResult) => Promise<void> | void;

const FORGE_RECHECK_MS = 5 * 60_000;

export interface Monitor {
  /** Runs one pass now (passes never overlap within a process; a second call waits for the first). */
  runPass(options?: { now?: Date }): Promise<PassResult>;
  /** Adds a step run after every pass; returns a function that removes it. */
  afterPass(step: AfterPassStep): () => void;
  /** Plugs in (or, with null, removes) the evaluator of a gate, e.g. `reviews`. */
  setGateEvaluator(name: string, evaluator: GateEvaluator | null): void;
  /** Starts the loop: a pass now, then every config.monitor.intervalSec. */
  start(): void;
  /** Stops the loop, cancels running checks and waits for the current pass. */
  stop(): Promise<void>;
  readonly running: boolean;
  readonly lastResult: PassResult | null;
}

export interface MonitorOptions {
  forge?: Forge;
  spawn?: SpawnCheck;
  gates?: GateEvaluators;
  /** Called after every pass, before the steps (the fleet re-reads the registry into the store). */
  refresh?: () => Promise<void>;
  intervalMs?: number;
}

export function createMonitor(ctx: FleetContext, options: MonitorOptions = {}): Monitor {
  const steps = new Set<AfterPassStep>();
  const gates: GateEvaluators = { ...options.gates };
  const conflictCache: ConflictCache = new Map();
  const radarCache: RadarCache = new Map();
  let current: Promise<PassResult> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let looping = false;
  let abort = new AbortController();
  let lastResult: PassResult | null = null;

  // "auto" costs a git call and a `gh auth status`: decided once every few minutes, not every pass.
  let chosen: { forge: Forge; why?: string; at: number } | null = null;
  async function forgeFor(): Promise<{ forge: Forge; why?: string }> {
    if (options.forge) return { forge: options.forge };
    if (!chosen || Date.now() - chosen.at > FORGE_RECHECK_MS) {
      chosen = { ...(await selectForge(ctx, options.spawn ? { spawn: options.spawn } : {})), at: Date.now() };
    }
    return chosen;
  }

  async function pass(now?: Date): Promise<PassResult> {
    const choice = await forgeFor();
    const result = await runMonitorPass(ctx, {
      ...(now ? { now } : {}),
      forge: choice.forge,
      ...(choice.why ? { forgeWhy: choice.why } : {}),
      ...(options.spawn ? { spawn: options.spawn } : {}),
      gates,
      conflictCache,
      radarCache,
      signal: abort.signal,
    });
    if (conflictCache.size > 2000) conflictCache.clear();
    if (radarCache.size > 2000) radarCache.clear();
    for (const change of result.changes) ctx.events.emit({ type: 'monitor.change', change });
    for (const error of result.errors) ctx.events.emit({ type: 'error', message: `monitor: ${error}` });
    await options.refresh?.();
    let stepsRan = false;
    for (const step of [...steps]) {
      stepsRan = true;
      try {
        await step(result);
      } catch (err) {
        result.errors.push(`after-pass step: ${errorMessage(err)}`);
        ctx.events.emit({ type: 'error', message: `monitor after-pass step: ${errorMessage(err)}` });
      }
    }
    if (stepsRan) {
      // Steps (recovery) may have moved tasks: say what needs the human after them.
      const degraded = new Map(result.needsHuman.filter((h) => h.why === 'degraded').map((h) => [h.taskId, h.message]));
      result.needsHuman = needsHuman(await ctx.registry.read(), ctx.config, degraded);
      await options.refresh?.();
    }
    ctx.events.emit({ type: 'monitor.pass', result: { at: result.at, durationMs: result.durationMs, tasks: result.tasks, forge: result.forge, ...(result.forgeWhy ? { forgeWhy: result.forgeWhy } : {}), changes: result.changes.length, needsHuman: result.needsHuman.length, errors: result.errors.length } });
    lastResult = result;
    return result;
  }

  function runPass(o: { now?: Date } = {}): Promise<PassResult> {
    const run = (current ?? Promise.resolve(null as unknown as PassResult)).catch(() => null).then(() => pass(o.now));
    current = run;
    void run.finally(() => {
      if (current === run) current = null;
    }).catch(() => undefined);
    return run;
  }

  function schedule(delay: number) {
    if (!looping) return;
    timer = setTimeout(() => {
      timer = null;
      runPass()
        .catch((err) => ctx.events.emit({ type: 'error', message: `monitor: ${errorMessage(err)}` }))
        .finally(() => schedule(options.intervalMs ?? ctx.config.monitor.intervalSec * 1000));
    }, delay);
    timer.unref?.();
  }

  return {
    runPass,
    afterPass(step) {
      steps.add(step);
      return () => steps.delete(step);
    },
    setGateEvaluator(name, evaluator) {
      if (evaluator) gates[name] = evaluator;
      else delete gates[name];
    },
    start() {
      if (looping) return;
      looping = true;
      abort = new AbortController();
      schedule(0);
    },
    async stop() {
      looping = false;
      if (timer) clearTimeout(timer);
      timer = null;
      abort.abort();
      await current?.catch(() => undefined);
    },
    get running() {
      return looping;
    },
    get lastResult() {
      return lastResult;
    },
  };
}

/** Starts the monitor loop of a fleet (TUI and `watch`); stopped by fleet.close(). */
export function startMonitor(fleet: FleetContext & { monitor: Monitor; onClose(step: () => Promise<void> | void): void }): Monitor {
  fleet.monitor.start();
  fleet.onClose(() => fleet.monitor.stop());
  return fleet.monitor;
}
