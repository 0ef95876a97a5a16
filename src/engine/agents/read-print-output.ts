import { parseClaudePrintOutput } from './claude/print-output.js';
import { parseCodexPrintOutput } from './codex/print-output.js';
import { parseGeminiPrintOutput } from './gemini/print-output.js';
import type { PrintOutput } from './print-output.js';

/** Which agent's print output a text is (review's `output` setting names one; `auto` tries each). */
export type PrintFormat = 'claude-json' | 'codex-jsonl' | 'gemini-json';

/**
 * Reads a print run's output with the parser of the agent that printed it: `format` when known,
 * else Claude's result object, Codex's event lines, Gemini's JSON, in that order. Null when the
 * text is none of them (plain text, or still being written).
 */
export function readPrintOutput(text: string, model: string, format?: PrintFormat): (PrintOutput & { format: PrintFormat }) | null {
  if (!text.trim()) return null;
  const tries: PrintFormat[] = format ? [format] : ['claude-json', 'codex-jsonl', 'gemini-json'];
  for (const f of tries) {
    const out = f === 'claude-json' ? parseClaudePrintOutput(text, model) : f === 'codex-jsonl' ? parseCodexPrintOutput(text, model) : parseGeminiPrintOutput(text);
    if (out) return { ...out, format: f };
  }
  return null;
}
