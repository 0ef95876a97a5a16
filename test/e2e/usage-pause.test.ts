import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findExecutable } from '../../src/engine/index.js';
import { makeTempRepo, runCli, type TempRepo } from '../../src/test-support/temp-repo.js';

const HAVE_TMUX = Boolean(findExecutable('tmux', { cwd: process.cwd() }));

interface StatusJson {
  tasks: Array<{ id: string; state: string; reason: string | null; pausedUntil: string | null; attempts: unknown[]; notified?: unknown }>;
}

let repo: TempRepo | null = null;
afterEach(() => {
  repo?.cleanup();
  repo = null;
});

// An agent that gives up on an overloaded API with Claude Code 2.1.197's own words (recorded in
// test/fixtures/agents/claude-2.1.197-overloaded.txt), then waits at its prompt; what it is sent
// next it writes down and commits.
const AGENT = [
  'printf "\\342\\227\\217 API Error: 529 Overloaded. This is a server-side issue, usually temporary \\342\\200\\224 try again in a moment.\\n"',
  'read line',
  'printf "got: %s\\n" "$line" > got.txt',
  'git add got.txt && git -c user.name=agent -c user.email=agent@example.com commit -qm "after $line"',
  'echo done',
  'exec sleep 300',
].join('; ');

describe.skipIf(!HAVE_TMUX)('usage limit / overload through the real binary (tmux runtime)', () => {
  it('pauses the task with no attempt burned, notifies once, and at the backoff resumes it by sending continue', async () => {
    repo = makeTempRepo({
      runtime: 'tmux',
      forge: 'local',
      notify: { desktop: false, bell: false },
      limits: { staggerMs: 0 },
      monitor: { idleGraceSec: 0 },
      recovery: { pause: { autoResume: true, backoffSec: 10 } },
      profiles: { overloaded: { command: ['sh', '-c', AGENT], quietMs: 500 } },
      defaultAgent: 'overloaded',
    });
    const cli = (args: string[]) => runCli(repo!.root, args);
    const status = async () => JSON.parse((await cli(['status', '--json'])).stdout) as StatusJson;
    expect((await cli(['add', 'Busy', '--id', 'busy', '--prompt', 'go'])).code).toBe(0);
    expect((await cli(['start', 'busy', '--wait'])).code).toBe(0);
    await new Promise((r) => setTimeout(r, 1500)); // the message, then quiet: idle at its prompt

    const first = await cli(['check']);
    expect(first.stdout).toMatch(/busy \(attempt 1\): running → paused \(paused until \d\d:\d\d \(API overloaded, no reset time named: backoff 10s\): ● API Error: 529 Overloaded\./);
    let s = (await status()).tasks[0]!;
    expect(s.state).toBe('paused');
    expect(Date.parse(s.pausedUntil!) - Date.now()).toBeGreaterThan(2000);
    expect(s.attempts).toHaveLength(1);
    expect((await cli(['status'])).stdout).toContain('paused until');
    // Nothing for the human while it waits to resume on its own.
    const quiet = await cli(['check', '--json']);
    expect(JSON.parse(quiet.stdout).needsHuman).toEqual([]);

    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(s.pausedUntil!) - Date.now()) + 200));
    const due = await cli(['check']);
    expect(due.stdout).toContain('busy (attempt 1): paused → running (resumed: sent "continue" after the pause)');
    s = (await status()).tasks[0]!;
    expect(s.pausedUntil).toBeNull();
    expect(s.attempts).toHaveLength(1);
    const worktree = join(repo.worktreeRoot, 'busy-a1');
    for (let i = 0; i < 50 && !existsSync(join(worktree, 'got.txt')); i++) await new Promise((r) => setTimeout(r, 100));
    expect(readFileSync(join(worktree, 'got.txt'), 'utf8')).toBe('got: continue\n');
    const registry = JSON.parse(readFileSync(join(repo.root, '.flotilla/tasks.json'), 'utf8')) as { tasks: Array<{ notified: Record<string, string> }> };
    expect(Object.keys(registry.tasks[0]!.notified)).toEqual(['paused#1']);
  }, 60_000);
});
