import type { AgentAdapter } from './adapter.js';
import type { PrintOutput } from './print-output.js';
import { AGENT_ADAPTERS } from './registry.js';

/** Which agent's print output a text is (review's `output` setting names one; `auto` tries each). */
export type PrintFormat = 'claude-json' | 'codex-jsonl' | 'gemini-json';

const READERS: ReadonlyArray<[PrintFormat, AgentAdapter]> = [
  ['claude-json', AGENT_ADAPTERS.claude],
  ['codex-jsonl', AGENT_ADAPTERS.codex],
  ['gemini-json', AGENT_ADAPTERS.gemini],
];

/**
 * Reads a print run's output with the parser of the agent that printed it (its adapter's
 * `printOutput`): `format` when known, else Claude's result object, Codex's event lines, Gemini's
 * JSON, in that order. Null when the text is none of them (plain text, or still being written).
 */
export function readPrintOutput(text: string, model: string, format?: PrintFormat): (PrintOutput & { format: PrintFormat }) | null {
  if (!text.trim()) return null;
  for (const [f, adapter] of READERS) {
    if (format && f !== format) continue;
    const out = adapter.printOutput?.(text, model);
    if (out) return { ...out, format: f };
  }
  return null;
}
