import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/index.js';
import { buildAgentArgv } from './argv.js';

const where = { file: '/r/.flotilla/config.json', key: 'profiles.mine' };
const values = { prompt: 'Fix it; then "commit"', promptFile: '/r/.flotilla/prompts/t/1.md', model: null, context: null };

describe('buildAgentArgv', () => {
  it('substitutes placeholders without any shell quoting', () => {
    expect(buildAgentArgv({ command: ['agent', '--file={promptFile}', '{prompt}'] }, values, where)).toEqual([
      'agent',
      '--file=/r/.flotilla/prompts/t/1.md',
      'Fix it; then "commit"',
    ]);
  });

  it('drops a {model} argument and its flag when no model is set, keeps them when one is', () => {
    const profile = { command: ['agent', '--model', '{model}', '{prompt}'] };
    expect(buildAgentArgv(profile, values, where)).toEqual(['agent', 'Fix it; then "commit"']);
    expect(buildAgentArgv(profile, { ...values, model: 'opus' }, where)).toEqual(['agent', '--model', 'opus', 'Fix it; then "commit"']);
  });

  it('puts hook settings and retry context before the prompt argument', () => {
    const profile = { command: ['node', 'agent.mjs', '{prompt}'], appendContext: ['--append-system-prompt', '{context}'] };
    expect(buildAgentArgv(profile, { ...values, context: 'CI failed' }, where, ['--settings', '{}'])).toEqual([
      'node',
      'agent.mjs',
      '--settings',
      '{}',
      '--append-system-prompt',
      'CI failed',
      'Fix it; then "commit"',
    ]);
    // No context: the appendContext argv is left out.
    expect(buildAgentArgv(profile, values, where)).toEqual(['node', 'agent.mjs', 'Fix it; then "commit"']);
  });

  it('appends extra argv at the end when no argument holds the prompt', () => {
    expect(buildAgentArgv({ command: ['agent'] }, values, where, ['--settings', '{}'])).toEqual(['agent', '--settings', '{}']);
  });

  it('refuses an unknown placeholder, naming the key and the placeholder', () => {
    expect(() => buildAgentArgv({ command: ['agent', '{promt}'] }, values, where)).toThrow(ConfigError);
    expect(() => buildAgentArgv({ command: ['agent', '{promt}'] }, values, where)).toThrow(/profiles\.mine\.command.*\{promt\}/);
    expect(() => buildAgentArgv({ command: ['agent'], appendContext: ['{ctx}'] }, values, where)).toThrow(/appendContext/);
  });

  it('refuses an empty command', () => {
    expect(() => buildAgentArgv({ command: [] as unknown as [string] }, values, where)).toThrow(/profiles\.mine\.command.*empty/);
    expect(() => buildAgentArgv({ command: ['  '] }, values, where)).toThrow(/empty/);
  });
});
