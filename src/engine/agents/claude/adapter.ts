import { shellQuote } from '../../core/index.js';
import type { AgentAdapter } from '../adapter.js';
import { claudeHookState, claudeSettings } from './hooks.js';
import { parseClaudePrintOutput } from './print-output.js';
import { trustForClaude } from './trust.js';
import { defaultClaudeDirs } from './usage-log.js';

/**
 * Claude Code (checked against 2.1.197): started with `--settings <json>` whose hooks report every
 * event; retry context as `--append-system-prompt`; usage in its project session logs; reviews
 * through `claude -p --output-format json`.
 */
export const claudeAdapter: AgentAdapter = {
  kind: 'claude',
  profile: {
    command: ['claude', '{prompt}'],
    appendContext: ['--append-system-prompt', '{context}'],
    hooks: 'claude',
    trust: 'claude',
    patterns: {
      // Dialogs of Claude Code 2.1.197 (test/fixtures/agents/claude-2.1.197-*.txt): permission,
      // workspace trust, "Detected a custom API key"; every select dialog ends "Enter to confirm".
      waiting: [
        'Do you want to (proceed|make this edit|create|run|use this API key)',
        'Do you trust the files',
        'Yes, I trust this folder',
        'Enter to confirm · Esc to cancel',
        'Esc to cancel · Tab to amend',
        '❯\\s*1\\.\\s*Yes',
        'Would you like to',
        // A turn refused for the key or the login: the human has to act.
        'Invalid API key · Fix external API key',
        'Not logged in · Please run /login',
      ],
      working: ['esc to interrupt'],
      retrying: ['Retrying in \\d+s · attempt (\\d+)/(\\d+)'],
      contextExhausted: ['Context low', 'Prompt is too long', 'context window'],
    },
  },
  statusEvents: {
    launchArgv: (recorder) => [
      '--settings',
      // Claude Code runs hook commands through a shell: every word is quoted (none comes from task data).
      claudeSettings((event) => recorder.argv(event).map(shellQuote).join(' '), recorder.stopGate?.map(shellQuote).join(' ')),
    ],
    // Claude's events are bare hook names; another CLI's are recorded as "<cli>:<type>".
    stateOf: (e) => (e.event.includes(':') ? undefined : claudeHookState(e.event, e)),
  },
  async trust(worktree, env) {
    try {
      const w = await trustForClaude(worktree, env);
      return { argv: [], env: {}, ...(w.trusted ? { note: `trusted ${w.trusted} in ${w.file}` } : {}) };
    } catch (err) {
      return { argv: [], env: {}, note: `could not pre-trust the worktree for Claude Code: ${(err as Error).message}` };
    }
  },
  usageLog: { dirs: defaultClaudeDirs, envVar: 'CLAUDE_CONFIG_DIR' },
  printOutput: parseClaudePrintOutput,
  review: { command: ['claude', '-p', '--output-format', 'json', '--model', '{model}', '{prompt}'], output: 'claude-json' },
  environment: {
    network: [/Unable to connect to API/i, /Unable to connect/i],
    auth: [/Not logged in\s*·?\s*Please run \/login/i, /Invalid API key/i, /authentication_error/i, /OAuth token has expired/i],
  },
};
