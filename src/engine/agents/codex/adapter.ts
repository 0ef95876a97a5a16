import type { AgentAdapter } from '../adapter.js';
import { codexNotifyArgv, codexNotifyState } from './notify.js';
import { parseCodexPrintOutput } from './print-output.js';
import { codexTrustArgv } from './trust.js';
import { defaultCodexSessionsDir } from './usage-log.js';

/**
 * OpenAI Codex CLI (checked against 0.171.0): turns reported through its `notify` program,
 * recorded as "codex:<type>"; the folder trusted with a `-c projects=...` override; usage in its
 * rollout files; reviews through `codex exec --json`.
 */
export const codexAdapter: AgentAdapter = {
  kind: 'codex',
  profile: {
    command: ['codex', '{prompt}'],
    appendContext: 'prompt',
    hooks: 'codex',
    trust: 'codex',
    patterns: {
      // 0.171.0's folder trust dialog: test/fixtures/agents/codex-0.171.0-trust.txt.
      waiting: ['Allow command\\?', 'Would you like to run', 'approve this', '\\[y/N\\]', 'Press enter to continue', 'Sign in with ChatGPT', 'allow Codex to work in this folder', 'Trust this folder\\?', 'enter continue · esc back', '■ unexpected status \\d{3}'],
      working: ['esc to interrupt', 'Working \\('],
      retrying: ['Reconnecting\\.\\.\\. (\\d+)/(\\d+)'],
      contextExhausted: ['context window', 'exceeds the context'],
    },
  },
  statusEvents: {
    launchArgv: (recorder) => codexNotifyArgv(recorder.argv('codex')),
    stateOf: (e) => (e.event.startsWith('codex:') ? codexNotifyState(e.event.slice('codex:'.length)) : undefined),
  },
  trust: async (worktree) => ({ argv: codexTrustArgv(worktree), env: {} }),
  usageLog: { dirs: (env) => [defaultCodexSessionsDir(env)], envVar: 'CODEX_HOME' },
  printOutput: parseCodexPrintOutput,
  review: { command: ['codex', 'exec', '--json', '--model', '{model}', '{prompt}'], output: 'codex-jsonl' },
  environment: {
    network: [/stream disconnected before completion/i, /error sending request for url/i],
    auth: [/Sign in with ChatGPT/i, /Not signed in/i],
  },
};
