import type { ProfileConfig } from '../../core/index.js';
import type { AgentAdapter, AgentKind } from '../adapter.js';
import { NO_ENVIRONMENT_MESSAGES } from '../adapter.js';

/**
 * An agent defined in config (any CLI): its launch argv and patterns are the profile's own; the
 * native pieces it names are borrowed from the CLI that has them (`hooks: "claude"` gives Claude
 * Code's status events, `trust: "codex"` Codex's trust override); its review command is
 * `review.command` or its own command fed {prompt}; its print output is read by whichever
 * parser recognises it.
 */
export function customAdapter(profile: ProfileConfig, builtin: (kind: AgentKind) => AgentAdapter | null): AgentAdapter {
  const hooks = profile.hooks && profile.hooks !== 'none' ? builtin(profile.hooks) : null;
  const trust = profile.trust && profile.trust !== 'none' ? builtin(profile.trust) : null;
  return {
    kind: 'custom',
    profile,
    statusEvents: hooks?.statusEvents ?? null,
    trust: trust?.trust ?? null,
    usageLog: null,
    printOutput: null,
    review: profile.review ? { command: profile.review.command, output: profile.review.output ?? 'auto' } : null,
    environment: NO_ENVIRONMENT_MESSAGES,
  };
}
