import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeConfigFile } from './claude/trust.js';
import { trustLaunch } from './trust.js';

let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

function setup() {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-trust-'));
  const root = join(dir, 'work.trees');
  const worktree = join(root, 'job-a1');
  mkdirSync(worktree, { recursive: true });
  return { root, worktree, env: { CLAUDE_CONFIG_DIR: join(dir, 'claude'), HOME: join(dir, 'home') } };
}

describe('trusting flotilla worktrees', () => {
  it('Claude Code: marks the worktree folder trusted in its config, keeping everything else, once', async () => {
    const { root, worktree, env } = setup();
    mkdirSync(env.CLAUDE_CONFIG_DIR);
    const file = join(env.CLAUDE_CONFIG_DIR, '.claude.json');
    writeFileSync(file, JSON.stringify({ numStartups: 3, projects: { '/elsewhere': { allowedTools: ['Bash'] } } }));
    const first = await trustLaunch('claude', worktree, env);
    expect(first).toEqual({ argv: [], env: {}, note: `trusted ${root} in ${file}` });
    const config = JSON.parse(readFileSync(file, 'utf8'));
    expect(config).toEqual({ numStartups: 3, projects: { '/elsewhere': { allowedTools: ['Bash'] }, [root]: { hasTrustDialogAccepted: true } } });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // Already trusted: nothing written.
    expect((await trustLaunch('claude', join(root, 'job-a2'), env)).note).toBeUndefined();
  });

  it('Claude Code: the config is ~/.claude.json without CLAUDE_CONFIG_DIR; a config that is not JSON is left alone', async () => {
    const { worktree, env } = setup();
    expect(claudeConfigFile({ HOME: '/home/u' })).toBe('/home/u/.claude.json');
    mkdirSync(env.CLAUDE_CONFIG_DIR);
    const file = join(env.CLAUDE_CONFIG_DIR, '.claude.json');
    writeFileSync(file, '{ broken');
    const r = await trustLaunch('claude', worktree, env);
    expect(r.note).toMatch(/^could not pre-trust the worktree for Claude Code: /);
    expect(readFileSync(file, 'utf8')).toBe('{ broken');
  });

  it('Codex: a config override for exactly this worktree, one TOML key even with dots in the path', async () => {
    const { worktree, env } = setup();
    expect(await trustLaunch('codex', worktree, env)).toEqual({ argv: ['-c', `projects={ "${worktree}" = { trust_level = "trusted" } }`], env: {} });
  });

  it('Gemini CLI: its trust-workspace variable; none and unknown profiles get nothing', async () => {
    const { worktree, env } = setup();
    expect(await trustLaunch('gemini', worktree, env)).toEqual({ argv: [], env: { GEMINI_CLI_TRUST_WORKSPACE: 'true' } });
    expect(await trustLaunch('none', worktree, env)).toEqual({ argv: [], env: {} });
    expect(await trustLaunch(undefined, worktree, env)).toEqual({ argv: [], env: {} });
  });
});
