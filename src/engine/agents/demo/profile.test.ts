import { describe, expect, it } from 'vitest';
import { demoAgentInstalled, demoAgentPath, demoAgentProfile } from './profile.js';

describe('demo agent profile', () => {
  it('points at the shipped demo agent and logs usage under .flotilla/demo-claude', () => {
    expect(demoAgentInstalled()).toBe(true);
    expect(demoAgentPath()).toMatch(/assets\/demo-agent\/demo-agent\.mjs$/);
    const p = demoAgentProfile({ stateDir: '/r/.flotilla' });
    expect(p.command.slice(1)).toEqual([demoAgentPath(), '--model', '{model}', '{prompt}']);
    expect(p.env).toEqual({ CLAUDE_CONFIG_DIR: '/r/.flotilla/demo-claude' });
    expect(p.hooks).toBe('claude');
  });
});
