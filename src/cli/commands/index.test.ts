import { describe, expect, it } from 'vitest';
import { COMMANDS } from './index.js';

describe('the command list', () => {
  it('names and summarises each command as the command itself does (the list loads them lazily)', async () => {
    expect(new Set(COMMANDS.map((c) => c.name)).size).toBe(COMMANDS.length);
    for (const entry of COMMANDS) {
      const command = await entry.load();
      expect({ name: command.name, summary: command.summary }).toEqual({ name: entry.name, summary: entry.summary });
      expect(command.help).toMatch(/^Usage: flotilla/);
      // A help text is a template literal: a merge left half done would compile and show.
      expect(command.help, command.name).not.toMatch(/^(<{7}|={7}|>{7})/m);
    }
  });
});
