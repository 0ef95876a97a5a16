/**
 * Five `flotilla start` of one task at once: exactly one starts it; the others are refused with one
 * line naming the task and the pid of the start (or agent) that won, exit 2, and leave no attempt,
 * worktree or branch behind (was: three said "queued" and exited 0, one said "already running").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HAVE_TMUX } from '../../src/test-support/tmux-repo.js';
import { crashed, git, hostileRepo, runFlotilla, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
let socket = '';
afterEach(() => {
  if (socket) spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  socket = '';
  repo?.cleanup();
  repo = undefined;
});

const LOSER = /^flotilla: task s1 is already (starting \(pid \d+\)|running \(pid \d+; flotilla attach s1, or flotilla stop s1\))\n$/;

async function fiveStarts(runtime: 'pty' | 'tmux', env: Record<string, string> = {}) {
  repo = hostileRepo({ runtime, profiles: { d: { command: ['sleep', '2'] } }, defaultAgent: 'd' });
  expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 's1'], { env })).code).toBe(0);
  const runs = await Promise.all(Array.from({ length: 5 }, () => runFlotilla(repo!.root, ['start', 's1'], { env, timeoutMs: 30_000 })));
  expect(runs.filter(crashed)).toEqual([]);
  const winners = runs.filter((r) => r.code === 0);
  const losers = runs.filter((r) => r.code !== 0);
  expect(winners.map((r) => r.stdout.split('\n')[0]!.replace(/pid \d+/, 'pid N'))).toEqual([
    runtime === 'pty' ? 'started s1 (attempt 1, pid N) in this process; Ctrl-C stops it' : 'started s1 (attempt 1, pid N); flotilla attach s1 to watch it',
  ]);
  expect(losers.map((r) => [r.code, r.stdout, LOSER.test(r.stderr) ? 'one line' : r.stderr])).toEqual(Array(4).fill([2, '', 'one line']));
  const task = JSON.parse(readFileSync(join(repo.root, '.flotilla', 'tasks.json'), 'utf8')).tasks[0];
  expect(task.attempts.map((a: { n: number }) => a.n)).toEqual([1]);
  expect(readdirSync(repo.worktreeRoot)).toEqual(['s1-a1']);
  expect(git(repo.root, 'branch', '--format=%(refname:short)').trim().split('\n').sort()).toEqual(['flotilla/s1-a1', 'main']);
  expect(existsSync(join(repo.root, '.flotilla', 'start-s1.lock'))).toBe(false);
}

describe('five concurrent starts of one task', () => {
  it('pty runtime: one winner, four refused with one line each, one attempt and one worktree', async () => {
    await fiveStarts('pty');
  }, 60_000);

  it.runIf(HAVE_TMUX)('tmux runtime: the same', async () => {
    socket = `flt-conc-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    await fiveStarts('tmux', { FLOTILLA_TMUX_SOCKET: socket });
  }, 60_000);
});
