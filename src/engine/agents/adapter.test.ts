import { describe, expect, it } from 'vitest';
import { AGENT_ADAPTERS, adapterFor, agentAdapter, environmentMessages, hookEventState } from './registry.js';
import { BUILTIN_PROFILES } from './profiles.js';

describe('agent adapters', () => {
  it('give each built-in CLI its profile, status events, trust, usage log, print output and review command', () => {
    expect(Object.keys(AGENT_ADAPTERS).sort()).toEqual(['aider', 'claude', 'codex', 'demo', 'gemini']);
    expect(Object.keys(BUILTIN_PROFILES)).toEqual(['claude', 'codex', 'gemini', 'aider']);
    for (const kind of ['claude', 'codex', 'gemini'] as const) {
      const a = agentAdapter(kind)!;
      expect(a.kind).toBe(kind);
      expect(BUILTIN_PROFILES[kind]).toBe(a.profile);
      expect(a.trust).not.toBeNull();
      expect(a.usageLog?.dirs({ HOME: '/h' }).length).toBeGreaterThan(0);
      expect(a.printOutput).not.toBeNull();
      expect(a.review?.command.some((x) => x === '{prompt}')).toBe(true);
    }
    expect(agentAdapter('gemini')!.usageLog!.dirs({ HOME: '/h' })).toEqual(['/h/.gemini']);
    expect(agentAdapter('gemini')!.usageLog!.dirs({ HOME: '/h', GEMINI_CLI_HOME: '/g' })).toEqual(['/g/.gemini']);
    expect(agentAdapter('codex')!.usageLog!.dirs({ HOME: '/h', CODEX_HOME: '/c' })).toEqual(['/c/sessions']);
    // The demo agent is Claude Code's twin for status and usage.
    expect(agentAdapter('demo')!.statusEvents).toBe(agentAdapter('claude')!.statusEvents);
    expect(agentAdapter('none')).toBeNull();
    expect(agentAdapter('__proto__')).toBeNull();
  });

  it('asks the CLI an event came from what it means', () => {
    expect(hookEventState({ event: 'Stop' })).toBe('idle');
    expect(hookEventState({ event: 'StopFailure' })).toBe('waiting');
    expect(hookEventState({ event: 'SubagentStop' })).toBeNull();
    expect(hookEventState({ event: 'codex:agent-turn-complete' })).toBe('idle');
    expect(hookEventState({ event: 'codex:something-else' })).toBeNull();
    expect(hookEventState({ event: 'mystery:Stop' })).toBeNull();
  });

  it('builds a custom adapter for a config-defined agent from the pieces it names', () => {
    expect(adapterFor('claude', { ...BUILTIN_PROFILES.claude!, command: ['claude', '--model', 'x', '{prompt}'] }).kind).toBe('claude');
    const wrapped = adapterFor('claude', { ...BUILTIN_PROFILES.claude!, command: ['my-wrapper', '{prompt}'] });
    expect(wrapped.kind).toBe('custom');
    expect(wrapped.statusEvents).toBe(agentAdapter('claude')!.statusEvents);
    const mine = adapterFor('mine', { command: ['mine', '{promptFile}'], hooks: 'codex', trust: 'none', review: { command: ['mine', '--review', '{prompt}'] } });
    expect(mine.statusEvents!.launchArgv({ argv: (e) => ['rec', e] })).toEqual(['-c', 'notify=["rec","codex"]']);
    expect(mine.trust).toBeNull();
    expect(mine.review).toEqual({ command: ['mine', '--review', '{prompt}'], output: 'auto' });
    expect(adapterFor('bare', { command: ['bare'] }).statusEvents).toBeNull();
  });

  it("lists each CLI's environment-failure messages", () => {
    const env = environmentMessages();
    const hits = (list: readonly RegExp[], line: string) => list.some((r) => r.test(line));
    expect(hits(env.auth, 'Not logged in · Please run /login')).toBe(true);
    expect(hits(env.auth, 'Please set an Auth method in your settings.json')).toBe(true);
    expect(hits(env.network, 'stream disconnected before completion: error sending request')).toBe(true);
    expect(hits(env.network, 'Unable to connect to API (ConnectionRefused)')).toBe(true);
    expect(hits(env.auth, 'all tests passed')).toBe(false);
  });
});
