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
      // 0.61.0's screens: test/fixtures/agents/gemini-0.61.0-*.txt. A turn that failed on an API
      // error (`✕ [API Error: {"error":{"code":401,…`) waits for the human like a dialog.
      waiting: ['Allow execution', 'Apply this change\\?', 'Waiting for user confirmation', 'Do you trust the files in this folder', 'Select Auth Method', 'Get started', '✕ \\[API Error: '],
      working: ['esc to cancel'],
    },
    // No hooks: the screen decides. Its spinner and timer redraw all through a turn (model requests
    // and tools alike), so 1.5 s of silence is the end of the turn (idle within 2 s, as the hooks
    // of Claude Code and Codex give).
    quietMs: 1500,
  },
  statusEvents: null,
  trust: async () => ({ argv: [], env: { ...GEMINI_TRUST_ENV } }),
  usageLog: { dirs: defaultGeminiDirs, envVar: 'GEMINI_CLI_HOME' },
  printOutput: (text) => parseGeminiPrintOutput(text),
  review: { command: ['gemini', '--model', '{model}', '-p', '{prompt}'], output: 'text', trustEnv: GEMINI_TRUST_ENV },
  environment: {
    network: [/fetch failed/i],
    auth: [/Please set an Auth method/i],
  },
};
