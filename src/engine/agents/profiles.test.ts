import { describe, expect, it } from 'vitest';
import { configSchema, type FlotillaConfig } from '../core/index.js';
import { BUILTIN_PROFILES, resolveProfile } from './profiles.js';

function config(profiles: unknown): FlotillaConfig {
  return configSchema.parse({ profiles });
}

describe('profiles by merge', () => {
  it('a config profile with a built-in name extends it: args added, env merged, patterns added', () => {
    const p = resolveProfile(
      config({ claude: { args: ['--permission-mode', 'acceptEdits'], env: { FOO: '1' }, patterns: { waiting: ['Pick one'] } } }),
      'claude',
    );
    const base = BUILTIN_PROFILES.claude!;
    expect(p.command).toEqual([...base.command, '--permission-mode', 'acceptEdits']);
    expect(p.env).toEqual({ FOO: '1' });
    expect(p.patterns!.waiting).toEqual([...base.patterns!.waiting!, 'Pick one']);
    expect(p.patterns!.working).toEqual(base.patterns!.working);
    expect(p.hooks).toBe('claude');
    expect(p.appendContext).toEqual(base.appendContext);
    expect(p).not.toHaveProperty('args');
    expect(p).not.toHaveProperty('replace');
  });

  it('given fields replace the built-in ones; env keys of the config win', () => {
    const p = resolveProfile(config({ codex: { command: ['codex', '-a', 'never', '{prompt}'], model: 'gpt-5.1-codex', env: { CODEX_HOME: '/x' } } }), 'codex');
    expect(p.command).toEqual(['codex', '-a', 'never', '{prompt}']);
    expect(p.model).toBe('gpt-5.1-codex');
    expect(p.hooks).toBe('codex');
    expect(p.patterns).toEqual(BUILTIN_PROFILES.codex!.patterns);
  });

  it('"replace": true takes the config profile alone (and then it needs a command)', () => {
    const p = resolveProfile(config({ gemini: { replace: true, command: ['gemini', '{prompt}'] } }), 'gemini');
    expect(p).toEqual({ command: ['gemini', '{prompt}'] });
    expect(() => resolveProfile(config({ gemini: { replace: true } }), 'gemini')).toThrow(/agent profile "gemini" has no "command" \(with "replace": true/);
  });

  it('a profile of its own needs a command; its args are added to it', () => {
    expect(() => resolveProfile(config({ mine: { args: ['x'] } }), 'mine')).toThrow(/agent profile "mine" has no "command"/);
    expect(resolveProfile(config({ mine: { command: ['my-agent', '{promptFile}'], args: ['--fast'] } }), 'mine').command).toEqual(['my-agent', '{promptFile}', '--fast']);
    expect(() => resolveProfile(config({}), 'nope')).toThrow(/unknown agent profile "nope"/);
    // Not an inherited key.
    expect(() => resolveProfile(config({}), 'toString')).toThrow(/unknown agent profile "toString"/);
  });
});
