import type { RunUsage } from './usage-types.js';
import { MAX_LINE_TOKENS } from './usage-types.js';

/**
 * What a non-interactive ("print") run of an agent CLI printed, read by that agent's own parser
 * (agents/<cli>/print-output.ts): the final answer and the usage, from one reading. Reviews take
 * the answer, cost takes the usage; both come from here, so they never disagree.
 */
export interface PrintOutput {
  /** The CLI's final answers, last first (Codex may end several agent messages); [] when none. */
  answers: string[];
  /** The CLI itself says the run failed (Claude's `is_error`). */
  isError: boolean;
  usage: RunUsage;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A token count of print output: finite, positive and possible (1e308 would price as $Infinity), else 0. */
export function printCount(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= MAX_LINE_TOKENS ? v : 0;
}

/** JSON.parse, or undefined. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
