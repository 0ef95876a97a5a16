import type { AgentAdapter } from '../adapter.js';
import { parseGeminiPrintOutput } from './print-output.js';
import { GEMINI_TRUST_ENV } from './trust.js';
import { defaultGeminiDirs } from './usage-log.js';

/**
 * Google Gemini CLI (checked against 0.61.0): no hooks flotilla registers (status from the screen);
 * the folder trusted through GEMINI_CLI_TRUST_WORKSPACE; usage in its chat session logs; reviews
 * through `gemini -p` (text; `-o json` adds usage).
 */
export const geminiAdapter: AgentAdapter = {
  kind: 'gemini',
  profile: {
    command: ['gemini', '-i', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'none',
    trust: 'gemini',
    patterns: {
      waiting: ['Allow execution', 'Apply this change\\?', 'Waiting for user confirmation', 'Do you trust the files in this folder', 'Trust folder', 'Select Auth Method', 'Get started'],
      working: ['esc to cancel'],
    },
  },
  statusEvents: null,
  trust: async () => ({ argv: [], env: { ...GEMINI_TRUST_ENV } }),
  usageLog: { dirs: defaultGeminiDirs, envVar: 'GEMINI_CLI_HOME' },
  printOutput: (text) => parseGeminiPrintOutput(text),
  review: { command: ['gemini', '--model', '{model}', '-p', '{prompt}'], output: 'text' },
  environment: {
    network: [/fetch failed/i],
    auth: [/Please set an Auth method/i],
  },
};
