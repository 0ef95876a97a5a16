/**
 * Symlinks planted in `.flotilla/` (by an agent, a check, or a cloned repository): flotilla never
 * writes, truncates or chmods through one. A planted folder link or hook-events link is refused
 * with one line naming it; a link at a name flotilla makes afresh (a prompt, a log, a pid file) is
 * replaced, its target untouched.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HAVE_TMUX, waitFor } from '../../src/test-support/tmux-repo.js';
import { PROJECT_ROOT, crashed, hostileRepo, runFlotilla, stateDiff, type TempRepo } from './helpers.js';

let repo: TempRepo | undefined;
let socket = '';
afterEach(() => {
  if (socket) spawnSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  socket = '';
  repo?.cleanup();
  repo = undefined;
});

const REFUSAL = 'flotilla never follows links or opens special files in its state folder (remove it)';

/** A repository with task `s1` added, and a precious 0644 file and an empty folder outside it. */
async function setup(config: Record<string, unknown> = {}) {
  repo = hostileRepo({ runtime: 'pty', profiles: { d: { command: ['true'] } }, defaultAgent: 'd', ...config });
  expect((await runFlotilla(repo.root, ['add', 'x', '--prompt', 'x', '--id', 's1'])).code).toBe(0);
  const precious = join(repo.dir, 'precious');
  writeFileSync(precious, 'keep\n', { mode: 0o644 });
  const outside = join(repo.dir, 'outside');
  mkdirSync(outside, { mode: 0o755 });
  const state = join(repo.root, '.flotilla');
  const untouched = () => {
    expect([readFileSync(precious, 'utf8'), statSync(precious).mode & 0o777]).toEqual(['keep\n', 0o644]);
    expect([readdirSync(outside), statSync(outside).mode & 0o777]).toEqual([[], 0o755]);
  };
  return { root: repo.root, state, precious, outside, untouched };
}

describe.runIf(process.platform === 'linux')('symlinks planted in .flotilla', () => {
  it('a linked per-task folder (prompts/<task>): start refused with one line, nothing written there, no attempt left (was: prompt written through)', async () => {
    const { root, state, outside, untouched } = await setup();
    mkdirSync(join(state, 'prompts'), { mode: 0o700 });
    symlinkSync(outside, join(state, 'prompts', 's1'));
    const tasks = () => JSON.parse(readFileSync(join(state, 'tasks.json'), 'utf8')) as unknown;
    const registryBefore = tasks();
    const r = await runFlotilla(root, ['start', 's1']);
    expect(crashed(r)).toBe(false);
    expect([r.code, r.stdout, r.stderr]).toEqual([1, '', `flotilla: ${join(state, 'prompts', 's1')}: is a symlink; ${REFUSAL}\n`]);
    // The registry is rewritten (its keys reordered) but holds the same task: no attempt recorded.
    expect(stateDiff(r.before, r.after)).toEqual({ added: ['queue.json'], removed: [], changed: ['tasks.json'] });
    expect(tasks()).toEqual(registryBefore);
    untouched();
    expect(existsSync(repo!.worktreeRoot) ? readdirSync(repo!.worktreeRoot) : []).toEqual([]);
  });

  it('a linked hook-events file: start refused naming it; the hook recorder an agent runs writes nothing and chmods nothing through it (was: appended and chmodded 0600)', async () => {
    const { root, state, precious, untouched } = await setup();
    const events = join(state, 'hooks', 's1', 'events.jsonl');
    mkdirSync(join(state, 'hooks', 's1'), { recursive: true, mode: 0o700 });
    symlinkSync(precious, events);
    const r = await runFlotilla(root, ['start', 's1']);
    expect(crashed(r)).toBe(false);
    expect([r.code, r.stderr]).toEqual([1, `flotilla: ${events}: is a symlink; ${REFUSAL}\n`]);
    // What Claude Code's Stop hook runs: it never fails the agent (exit 0), and writes nothing.
    const hook = spawnSync(process.execPath, [join(PROJECT_ROOT, 'dist', 'engine', 'sessions', 'hook-recorder.js'), events, 'Stop'], { input: '{}', encoding: 'utf8' });
    expect([hook.status, hook.stdout, hook.stderr]).toEqual([0, '', '']);
    untouched();
  });

  it('links at a prompt and a log flotilla makes afresh: replaced by its own files, targets untouched (pty runtime)', async () => {
    const { root, state, precious, untouched } = await setup({ profiles: { d: { command: ['sh', '-c', 'echo agent-output'] } } });
    mkdirSync(join(state, 'prompts', 's1'), { recursive: true, mode: 0o700 });
    mkdirSync(join(state, 'logs', 's1'), { recursive: true, mode: 0o700 });
    symlinkSync(precious, join(state, 'prompts', 's1', '1.md'));
    symlinkSync(precious, join(state, 'logs', 's1', '1.log'));
    const r = await runFlotilla(root, ['start', 's1']);
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(0);
    for (const f of ['prompts/s1/1.md', 'logs/s1/1.log']) expect(lstatSync(join(state, f)).isFile()).toBe(true);
    expect(readFileSync(join(state, 'logs', 's1', '1.log'), 'utf8')).toContain('agent-output');
    untouched();
  });

  it.runIf(HAVE_TMUX)('links at the log and its pid file (tmux runtime, log written by the pane\'s writer): replaced, targets untouched (was: pid written through)', async () => {
    const { root, state, precious, untouched } = await setup({ runtime: 'tmux', profiles: { d: { command: ['sh', '-c', 'echo agent-output; sleep 1'] } } });
    socket = `flt-sym-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    mkdirSync(join(state, 'logs', 's1'), { recursive: true, mode: 0o700 });
    symlinkSync(precious, join(state, 'logs', 's1', '1.log'));
    symlinkSync(precious, join(state, 'logs', 's1', '1.log.pid'));
    const r = await runFlotilla(root, ['start', 's1'], { env: { FLOTILLA_TMUX_SOCKET: socket } });
    expect(crashed(r)).toBe(false);
    expect(r.code).toBe(0);
    // The pid file is written by start; the log by the pane's writer once the agent prints.
    const isFile = (f: string) => existsSync(join(state, 'logs', 's1', f)) && lstatSync(join(state, 'logs', 's1', f)).isFile();
    await waitFor('the log written by the pane\'s writer', async () => isFile('1.log'), 10_000, 50);
    for (const f of ['1.log', '1.log.pid']) expect(lstatSync(join(state, 'logs', 's1', f)).isFile()).toBe(true);
    expect(readFileSync(join(state, 'logs', 's1', '1.log'), 'utf8')).toContain('agent-output');
    untouched();
  });
});
