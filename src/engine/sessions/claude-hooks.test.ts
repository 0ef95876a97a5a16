import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAUDE_HOOK_EVENTS, claudeHookState, claudeSettings } from '../agents/index.js';
import { claudeSettingsJson, parseHookLines, stateForHookEvent } from './hooks.js';

type Settings = { hooks: Record<string, Array<{ hooks: Array<{ command: string }> }>> };

describe('Claude Code hooks', () => {
  it('registers the failure, permission, subagent and agent-team events of Claude Code 2.1', () => {
    const settings = JSON.parse(claudeSettings((e) => `record ${e}`)) as Settings;
    for (const event of ['StopFailure', 'PermissionRequest', 'SubagentStop', 'TaskCreated', 'TaskCompleted', 'TeammateIdle']) {
      expect(settings.hooks[event]![0]!.hooks[0]!.command).toBe(`record ${event}`);
    }
    expect(Object.keys(settings.hooks).sort()).toEqual([...CLAUDE_HOOK_EVENTS].sort());
  });

  it('runs the stop gate on Stop, TaskCompleted and TeammateIdle, and on no other event', () => {
    const settings = JSON.parse(claudeSettings((e) => `record ${e}`, 'flotilla gate t --local')) as Settings;
    const gated = Object.entries(settings.hooks)
      .filter(([, entries]) => entries[0]!.hooks.some((h) => h.command === 'flotilla gate t --local'))
      .map(([event]) => event)
      .sort();
    expect(gated).toEqual(['Stop', 'TaskCompleted', 'TeammateIdle']);
    // The recorder still runs first, so the event is seen even when the gate blocks.
    expect(settings.hooks.TaskCompleted![0]!.hooks[0]!.command).toBe('record TaskCompleted');
  });

  it('maps a failed turn and a permission dialog to waiting, and team events without ending the turn', () => {
    expect(claudeHookState('StopFailure', {})).toBe('waiting');
    expect(claudeHookState('PermissionRequest', {})).toBe('waiting');
    expect(claudeHookState('TaskCreated', {})).toBe('working');
    expect(claudeHookState('SubagentStop', {})).toBeNull();
    expect(claudeHookState('TaskCompleted', {})).toBeNull();
    expect(claudeHookState('TeammateIdle', {})).toBeNull();
  });

  it('records the API error of a StopFailure and the tool of a PermissionRequest as the message', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-claude-hooks-'));
    try {
      const file = join(dir, 'events.jsonl');
      const settings = JSON.parse(claudeSettingsJson(file)) as Settings;
      const payloads = [
        ['StopFailure', { error: 'rate_limit', error_details: '429 Number of request tokens has exceeded your per-minute rate limit' }],
        ['PermissionRequest', { tool_name: 'Bash', tool_input: { command: 'rm -rf build' } }],
      ] as const;
      for (const [event, payload] of payloads) {
        const r = spawnSync('sh', ['-c', settings.hooks[event]![0]!.hooks[0]!.command], { input: JSON.stringify({ hook_event_name: event, ...payload }) });
        expect(r.status).toBe(0);
      }
      const events = parseHookLines(readFileSync(file, 'utf8'));
      expect(events.map((e) => [e.event, e.message, stateForHookEvent(e)])).toEqual([
        ['StopFailure', 'API error: rate_limit: 429 Number of request tokens has exceeded your per-minute rate limit', 'waiting'],
        ['PermissionRequest', 'permission: Bash', 'waiting'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
