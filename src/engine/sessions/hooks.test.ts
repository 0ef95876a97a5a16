import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claudeSettingsJson, hookArgv, parseHookLines, readHookEvents } from './hooks.js';

describe('agent hooks', () => {
  it('gives Claude Code settings whose hooks record each event into the events file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-hooks-'));
    try {
      const file = join(dir, "it's here", 'events.jsonl');
      const settings = JSON.parse(claudeSettingsJson(file)) as { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };
      expect(Object.keys(settings.hooks)).toEqual(expect.arrayContaining(['UserPromptSubmit', 'PreToolUse', 'Notification', 'Stop', 'SessionEnd']));
      // Run the commands the way Claude Code does: through sh, the hook JSON on stdin.
      for (const [event, payload] of [
        ['PreToolUse', { tool_name: 'Bash' }],
        ['Notification', { message: 'needs permission', notification_type: 'permission_prompt' }],
      ] as const) {
        const r = spawnSync('sh', ['-c', settings.hooks[event]![0]!.hooks[0]!.command], {
          input: JSON.stringify({ hook_event_name: event, ...payload }),
          env: { ...process.env, FLOTILLA_ATTEMPT: '2' },
        });
        expect(r.status).toBe(0);
      }
      const events = parseHookLines(readFileSync(file, 'utf8'));
      expect(events.map((e) => [e.event, e.attempt, e.tool ?? e.message])).toEqual([
        ['PreToolUse', 2, 'Bash'],
        ['Notification', 2, 'needs permission'],
      ]);
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('records Codex notify payloads given as the last argument', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-hooks-'));
    try {
      const file = join(dir, 'events.jsonl');
      const [, value] = hookArgv('codex', file);
      const argv = JSON.parse(value!.replace(/^notify=/, '')) as string[];
      spawnSync(argv[0]!, [...argv.slice(1), JSON.stringify({ type: 'agent-turn-complete' })]);
      const { events, offset } = await readHookEvents(file, 0);
      expect(events.map((e) => e.event)).toEqual(['codex:agent-turn-complete']);
      expect((await readHookEvents(file, offset)).events).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
