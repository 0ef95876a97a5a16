import type { AgentAdapter } from '../adapter.js';
import { NO_ENVIRONMENT_MESSAGES } from '../adapter.js';

/**
 * aider: the prompt from a file; no hooks, no trust dialog, no usage log flotilla reads (its
 * `--analytics-log` is opt-in), no print-output parser of its own (a review through it is read as
 * plain text).
 */
export const aiderAdapter: AgentAdapter = {
  kind: 'aider',
  profile: {
    command: ['aider', '--message-file', '{promptFile}'],
    appendContext: 'prompt',
    hooks: 'none',
    patterns: {
      waiting: ['\\(Y\\)es/\\(N\\)o', '\\[Yes\\]:'],
    },
  },
  statusEvents: null,
  trust: null,
  usageLog: null,
  printOutput: null,
  review: null,
  environment: NO_ENVIRONMENT_MESSAGES,
};
