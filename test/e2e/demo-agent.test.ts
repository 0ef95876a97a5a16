import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, git, makeTempRepo, type TempRepo } from '../../src/test-support/temp-repo.js';

const AGENT = join(PROJECT_ROOT, 'assets', 'demo-agent', 'demo-agent.mjs');
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'demo',
  GIT_AUTHOR_EMAIL: 'demo@flotilla.invalid',
  GIT_COMMITTER_NAME: 'demo',
  GIT_COMMITTER_EMAIL: 'demo@flotilla.invalid',
};

let repo: TempRepo;
let hookLog: string;
let claudeDir: string;

beforeEach(() => {
  repo = makeTempRepo({}, { init: false });
  hookLog = join(repo.dir, 'hooks.jsonl');
  claudeDir = join(repo.dir, 'claude');
});
afterEach(() => repo.cleanup());

/** Settings whose hooks append their stdin (one JSON per line) to the hook log. */
function settings(extra: Record<string, unknown> = {}) {
  const record = { type: 'command', command: 'cat >> "$HOOK_LOG"; echo >> "$HOOK_LOG"' };
  const events = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'Notification', 'Stop', 'SessionEnd'];
  return JSON.stringify({ hooks: { ...Object.fromEntries(events.map((e) => [e, [{ hooks: [record] }]])), ...extra } });
}

function start(args: string[]): ChildProcessWithoutNullStreams & { out: () => string } {
  const child = spawn(process.execPath, [AGENT, ...args], {
    cwd: repo.root,
    env: { ...process.env, ...GIT_ENV, CLAUDE_CONFIG_DIR: claudeDir, HOOK_LOG: hookLog, NO_COLOR: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return Object.assign(child, { out: () => out });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null)));
  });
}

async function waitFor(read: () => string, text: string, times = 1): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (read().split(text).length > times) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for "${text}" in:\n${read()}`);
}

function hookEvents(): Array<Record<string, unknown>> {
  if (!existsSync(hookLog)) return [];
  return readFileSync(hookLog, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function sessionLogLines(): Array<Record<string, any>> {
  const dir = join(claudeDir, 'projects', repo.root.replace(/[^a-zA-Z0-9]/g, '-'));
  return readdirSync(dir).flatMap((f) =>
    readFileSync(join(dir, f), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, any>),
  );
}

describe('demo agent', () => {
  it('writes files, commits, fires Claude Code hooks and writes usage lines', async () => {
    const prompt = [
      'Add a greeting module.',
      'demo: write src/greet.js "export const greet = () => \\"hi\\";\\n"',
      'demo: replace src/greet.js "\\"hi\\"" "\\"hello\\""',
      'demo: commit "add greet"',
      'demo: usage model=claude-opus-4-1 input=1200 output=800 cacheRead=300 cacheWrite=40',
      'demo: exit 0',
    ].join('\n');
    const child = start(['--settings', settings(), '--model', 'claude-sonnet-4-5', prompt]);
    child.stdin.end();
    expect(await exited(child)).toBe(0);
    expect(readFileSync(join(repo.root, 'src/greet.js'), 'utf8')).toBe('export const greet = () => "hello";\n');
    expect(git(repo.root, 'log', '-1', '--format=%s').trim()).toBe('add greet');
    expect(git(repo.root, 'status', '--porcelain')).toBe('');

    const events = hookEvents();
    expect(events.map((e) => e.hook_event_name)).toEqual([
      'SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PreToolUse', 'PostToolUse', 'PreToolUse', 'PostToolUse', 'SessionEnd',
    ]);
    const sessionId = events[0]!.session_id as string;
    for (const e of events) {
      expect(e.session_id).toBe(sessionId);
      expect(e.cwd).toBe(repo.root);
      expect(e.transcript_path).toBe(join(claudeDir, 'projects', repo.root.replace(/[^a-zA-Z0-9]/g, '-'), `${sessionId}.jsonl`));
    }
    expect(events[1]!.prompt).toBe(prompt);
    expect(events[2]).toMatchObject({ tool_name: 'Write', tool_input: { file_path: join(repo.root, 'src/greet.js') } });
    expect(events[4]).toMatchObject({ tool_name: 'Edit', tool_input: { old_string: '"hi"', new_string: '"hello"' } });
    expect(events[6]).toMatchObject({ tool_name: 'Bash' });

    const lines = sessionLogLines();
    expect(lines.filter((l) => l.type === 'user')).toHaveLength(1);
    const assistant = lines.filter((l) => l.type === 'assistant');
    expect(assistant.length).toBeGreaterThan(0);
    expect(new Set(assistant.map((l) => `${l.message.id}:${l.requestId}`)).size).toBe(1);
    for (const l of assistant) {
      expect(l).toMatchObject({ sessionId, cwd: repo.root, message: { role: 'assistant', model: 'claude-opus-4-1' } });
      expect(l.message.usage).toMatchObject({
        input_tokens: 1200,
        output_tokens: 800,
        cache_read_input_tokens: 300,
        cache_creation_input_tokens: 40,
      });
      expect(Date.parse(l.timestamp)).not.toBeNaN();
    }
  });

  it('waits on a permission question until stdin answers, and a "n" skips the guarded step', async () => {
    const prompt = [
      'demo: ask "Allow edit of a.txt?"',
      'demo: write a.txt "A"',
      'demo: ask "Allow edit of b.txt?"',
      'demo: write b.txt "B"',
    ].join('\n');
    const child = start(['--settings', settings(), prompt]);
    await waitFor(child.out, 'Do you want to proceed');
    expect(existsSync(join(repo.root, 'a.txt'))).toBe(false);
    const note = hookEvents().find((e) => e.hook_event_name === 'Notification');
    expect(note).toMatchObject({ notification_type: 'permission_prompt' });
    expect(String(note!.message)).toContain('Allow edit of a.txt?');
    child.stdin.write('y\n');
    await waitFor(child.out, 'Do you want to proceed', 2);
    expect(readFileSync(join(repo.root, 'a.txt'), 'utf8')).toBe('A');
    child.stdin.write('n\n');
    await waitFor(child.out, 'Waiting for input');
    expect(existsSync(join(repo.root, 'b.txt'))).toBe(false);
    expect(hookEvents().some((e) => e.hook_event_name === 'Stop' && e.stop_hook_active === false)).toBe(true);
    // Idle like an interactive agent: a typed directive is a new turn.
    child.stdin.write('demo: write c.txt "C"\n');
    await waitFor(() => (existsSync(join(repo.root, 'c.txt')) ? 'yes' : ''), 'yes');
    child.stdin.write('/exit\n');
    expect(await exited(child)).toBe(0);
    expect(hookEvents().at(-1)).toMatchObject({ hook_event_name: 'SessionEnd', reason: 'prompt_input_exit' });
  });

  it('fail-unless only applies the fix when the hint is in the prompt or appended system prompt', async () => {
    const prompt = 'demo: fail-unless "TypeError: x is undefined"\ndemo: write fix.txt "fixed"\ndemo: exit 0';
    const first = start([prompt]);
    first.stdin.end();
    expect(await exited(first)).toBe(0);
    expect(existsSync(join(repo.root, 'fix.txt'))).toBe(false);
    const retry = start(['--append-system-prompt', 'CI failed: TypeError: x is undefined\ndemo: write quoted.txt "no"', prompt]);
    retry.stdin.end();
    expect(await exited(retry)).toBe(0);
    expect(readFileSync(join(repo.root, 'fix.txt'), 'utf8')).toBe('fixed');
    // Directives quoted in the system prompt are searched, never run.
    expect(existsSync(join(repo.root, 'quoted.txt'))).toBe(false);
  });

  it('keeps working when a Stop hook exits 2, showing its stderr, then stops', async () => {
    const counter = join(repo.dir, 'stops');
    writeFileSync(counter, '');
    const stopHook = {
      type: 'command',
      command: `cat >> "$HOOK_LOG"; echo >> "$HOOK_LOG"; echo x >> "${counter}"; if [ "$(wc -l < "${counter}")" -lt 2 ]; then printf 'gate failed\\ndemo: write gate.txt "ok"\\n' >&2; exit 2; fi`,
    };
    const child = start(['--settings', settings({ Stop: [{ hooks: [stopHook] }] }), 'demo: say "done"']);
    await waitFor(child.out, 'Waiting for input');
    expect(child.out()).toContain('gate failed');
    expect(readFileSync(join(repo.root, 'gate.txt'), 'utf8')).toBe('ok');
    const stops = hookEvents().filter((e) => e.hook_event_name === 'Stop');
    expect(stops.map((e) => e.stop_hook_active)).toEqual([false, true]);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(143);
  });

  it('exits on SIGTERM while idle and fires SessionEnd', async () => {
    const child = start(['--settings', settings(), 'demo: say "hello"']);
    await waitFor(child.out, 'Waiting for input');
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(143);
    expect(child.out()).toContain('SIGTERM');
    expect(hookEvents().at(-1)).toMatchObject({ hook_event_name: 'SessionEnd', reason: 'other' });
  });

  it('in -p --output-format json mode prints a Claude-style result with usage', async () => {
    const child = start([
      '-p',
      '--output-format',
      'json',
      'demo: say "{\\"findings\\": []}"\ndemo: usage model=claude-haiku-4-5 input=100 output=50 cost=0.0042',
    ]);
    child.stdin.end();
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    expect(await exited(child)).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(result).toMatchObject({
      type: 'result',
      is_error: false,
      result: '{"findings": []}',
      total_cost_usd: 0.0042,
      usage: { input_tokens: 100, output_tokens: 50, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
    });
  });
});
