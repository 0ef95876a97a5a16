import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../test-support/temp-repo.js';
import { classifyScreen, compilePatterns, retryDetail, waitingLine } from './status-tracker.js';
import { BUILTIN_PROFILES } from '../agents/index.js';

/** Screens recorded from the real Claude Code by test/e2e/real-agents (FLOTILLA_RECORD_FIXTURES=1). */
const DIR = join(PROJECT_ROOT, 'test', 'fixtures', 'agents');
const fixture = (name: string) => readFileSync(join(DIR, name), 'utf8');
const claude = compilePatterns(BUILTIN_PROFILES.claude!.patterns);

describe('Claude Code screen patterns on recorded screens', () => {
  const dialogs = readdirSync(DIR).filter((f) => /^claude-[\d.]+-(trust|api-key|permission)\.txt$/.test(f));

  it('has recordings of the trust, API key and permission dialogs', () => {
    expect(dialogs.map((f) => f.replace(/^claude-[\d.]+-/, '')).sort()).toEqual(['api-key.txt', 'permission.txt', 'trust.txt']);
  });

  it.each(dialogs)('%s is a dialog waiting for the human', (name) => {
    expect(classifyScreen(fixture(name), claude)).toBe('waiting');
  });

  it('reads the retry count of a failing request, and nothing from a screen without one', () => {
    const retrying = readdirSync(DIR).find((f) => /^claude-[\d.]+-retrying\.txt$/.test(f));
    expect(retrying).toBeDefined();
    expect(retryDetail(fixture(retrying!), claude)).toMatch(/^API error, retry \d+\/2$/);
    expect(classifyScreen(fixture(retrying!), claude)).toBe('working');
    expect(retryDetail(fixture(dialogs[0]!), claude)).toBeUndefined();
  });
});

describe('Codex screen patterns on recorded screens', () => {
  const codex = compilePatterns(BUILTIN_PROFILES.codex!.patterns);
  const files = readdirSync(DIR).filter((f) => /^codex-[\d.]+-(trust|unauthorized)\.txt$/.test(f));

  it('has recordings of the trust dialog and a refused request', () => {
    expect(files.map((f) => f.replace(/^codex-[\d.]+-/, '')).sort()).toEqual(['trust.txt', 'unauthorized.txt']);
  });

  it.each(files)('%s waits for the human', (name) => {
    expect(classifyScreen(fixture(name), codex)).toBe('waiting');
  });

  it('reads the reconnect count of a failing request', () => {
    const retrying = readdirSync(DIR).find((f) => /^codex-[\d.]+-retrying\.txt$/.test(f));
    expect(retrying).toBeDefined();
    expect(retryDetail(fixture(retrying!), codex)).toMatch(/^API error, retry \d\/2$/);
    expect(classifyScreen(fixture(retrying!), codex)).toBe('working');
  });
});

describe('Gemini CLI screen patterns on recorded screens', () => {
  const gemini = compilePatterns(BUILTIN_PROFILES.gemini!.patterns);
  const files = readdirSync(DIR).filter((f) => /^gemini-[\d.]+-(trust|apply-change|allow-execution|unauthorized)\.txt$/.test(f));

  it('has recordings of its trust dialog, both tool confirmations and a refused request', () => {
    expect(files.map((f) => f.replace(/^gemini-[\d.]+-/, '')).sort()).toEqual(['allow-execution.txt', 'apply-change.txt', 'trust.txt', 'unauthorized.txt']);
  });

  it.each(files)('%s waits for the human, saying what it asks', (name) => {
    expect(classifyScreen(fixture(name), gemini)).toBe('waiting');
    expect(waitingLine(fixture(name), gemini)).toMatch(/^(Do you trust the files in this folder\?|Apply this change\?|Allow execution of \[Shell\]\?|\[API Error: \{"error":\{"code":401,)/);
  });
});
