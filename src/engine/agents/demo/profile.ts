import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { assetPath } from '../../core/index.js';
import type { ProfileConfig } from '../../core/index.js';
import type { RepoPaths } from '../../core/index.js';

/** The scripted demo agent shipped in `assets/demo-agent/` (docs/demo-agent.md). */
export function demoAgentPath(): string {
  return assetPath('demo-agent', 'demo-agent.mjs');
}

export function demoAgentInstalled(): boolean {
  return existsSync(demoAgentPath());
}

/** Folder the demo agent writes its Claude-Code-format session logs to (read by cost). */
export function demoClaudeDir(paths: Pick<RepoPaths, 'stateDir'>): string {
  return join(paths.stateDir, 'demo-claude');
}

/**
 * A profile that runs the demo agent like Claude Code: same hooks, retry context as
 * --append-system-prompt, usage logs under `.flotilla/demo-claude`.
 */
export function demoAgentProfile(paths: Pick<RepoPaths, 'stateDir'>, model = 'claude-sonnet-4-5'): ProfileConfig {
  return {
    command: [process.execPath, demoAgentPath(), '--model', '{model}', '{prompt}'],
    model,
    appendContext: ['--append-system-prompt', '{context}'],
    hooks: 'claude',
    env: { CLAUDE_CONFIG_DIR: demoClaudeDir(paths) },
  };
}
