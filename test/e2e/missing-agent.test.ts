import { afterEach, describe, expect, it } from 'vitest';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

let repo: TempRepo | null = null;
afterEach(() => {
  repo?.cleanup();
  repo = null;
});

describe('an agent command that is not installed', () => {
  it('shows exited naming the command, and needs the human at once (environment) instead of retrying', async () => {
    repo = makeTempRepo({ runtime: 'pty', profiles: { ghost: { command: ['no-such-agent-xyz', '{prompt}'] } }, defaultAgent: 'ghost' });
    const cli = (args: string[]) => runCli(repo!.root, args);
    expect((await cli(['add', 'Fix it', '--prompt', 'do it'])).code).toBe(0);
    const start = await cli(['start', 'fix-it']);
    expect(start.code).toBe(1);
    expect(start.stderr).toContain('command not found: no-such-agent-xyz (profile "ghost")');

    const check = await cli(['check', '--json']);
    expect(check.code).toBe(3);
    const report = JSON.parse(check.stdout) as { needsHuman: Array<{ taskId: string; why: string; message: string }> };
    expect(report.needsHuman).toEqual([expect.objectContaining({ taskId: 'fix-it', why: 'environment' })]);
    expect(report.needsHuman[0]!.message).toContain('no-such-agent-xyz');

    const status = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ state: string; attempts: Array<{ failure: { class: string } | null }> }> };
    expect(status.tasks[0]!.state).toBe('failed');
    expect(status.tasks[0]!.attempts[0]!.failure).toMatchObject({ class: 'environment' });
    expect(status.tasks[0]!.attempts).toHaveLength(1);
    // A second pass does not retry it either.
    await cli(['check']);
    const again = JSON.parse((await cli(['status', '--json'])).stdout) as { tasks: Array<{ attempts: unknown[] }> };
    expect(again.tasks[0]!.attempts).toHaveLength(1);
  }, 60_000);
});
