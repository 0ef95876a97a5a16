import type { AgentAdapter } from '../adapter.js';
import { claudeAdapter } from '../claude/adapter.js';

/**
 * The scripted demo agent (assets/demo-agent/, docs/demo-agent.md) behaves like Claude Code: the
 * same hooks, the same session-log format (under `.flotilla/demo-claude`, see demoAgentProfile),
 * the same print output. Its profile depends on the repository's paths, so it is made by
 * demoAgentProfile, not held here.
 */
export const demoAdapter: AgentAdapter = {
  ...claudeAdapter,
  kind: 'demo',
  profile: null,
  trust: null,
  review: null,
};
