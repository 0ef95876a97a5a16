import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeFakeGh, ghPr } from '../test-support/fake-gh.js';
import { addRunningTask, agentCommit, makeFleetFixture, readTask, setSession, type FleetFixture } from '../test-support/fleet-fixture.js';
import { BIN, git, runCli } from '../test-support/temp-repo.js';

let fx: FleetFixture | undefined;
afterEach(async () => {
  await fx?.cleanup();
  fx = undefined;
});

const node = process.execPath;
/** A command that appends its stdin (or a fixed line) to a file: counts deliveries and runs. */
const appendStdin = (file: string) => [node, '-e', `require('fs').appendFileSync(${JSON.stringify(file)}, require('fs').readFileSync(0))`];
const appendLine = (file: string, line: string) => [node, '-e', `require('fs').appendFileSync(${JSON.stringify(file)}, ${JSON.stringify(`${line}\n`)})`];

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : [];
}

describe('flotilla check', () => {
  it('exits 0 when nothing needs the human, 3 when a task is ready; notifies once over two runs', async () => {
    fx = await makeFleetFixture({ forge: 'local', notify: { desktop: false } });
    const notified = join(fx.repo.dir, 'notified.jsonl');
    const ran = join(fx.repo.dir, 'checks-ran.txt');
    const cfgFile = join(fx.repo.root, '.flotilla/config.json');
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
    await import('node:fs').then((fs) => fs.writeFileSync(cfgFile, JSON.stringify({ ...cfg, notify: { command: appendStdin(notified), desktop: false }, checks: [{ name: 'test', command: appendLine(ran, 'ran') }] })));

    const empty = await runCli(fx.repo.root, ['check']);
    expect(empty).toMatchObject({ code: 0, stdout: 'forge: local (config "forge": "local")\nnothing changed (0 tasks watched, forge local)\nnothing needs you\n' });

    const wt = await addRunningTask(fx.fleet, 'done');
    agentCommit(wt.worktree, 'done.txt', 'done\n', 'finish it');
    await setSession(fx.fleet, 'done', { state: 'exited', exitCode: 0 });
    const first = await runCli(fx.repo.root, ['check', '--json']);
    expect(first.code).toBe(3);
    const report = JSON.parse(first.stdout);
    expect(report.changes.map((c: { message: string }) => c.message)).toContain('running → checking (agent exited with 1 commit)');
    expect(report.needsHuman).toEqual([{ taskId: 'done', why: 'ready', message: 'PR #1 ready for review' }]);
    const second = await runCli(fx.repo.root, ['check']);
    expect(second.code).toBe(3);
    expect(second.stdout).toBe('forge: local (config "forge": "local")\nnothing changed (1 task watched, forge local)\nneeds you:\n  done: ready: PR #1 ready for review\n');
    expect(lines(notified).map((l) => JSON.parse(l).event)).toEqual(['ready']);
    expect(lines(ran)).toEqual(['ran']);
  });

  it('two check processes at once: each check runs once, each notification goes out once', async () => {
    fx = await makeFleetFixture({ forge: 'local' });
    const notified = join(fx.repo.dir, 'notified.jsonl');
    const ran = join(fx.repo.dir, 'checks-ran.txt');
    const cfgFile = join(fx.repo.root, '.flotilla/config.json');
    const cfg = JSON.parse(readFileSync(cfgFile, 'utf8'));
    const { writeFileSync } = await import('node:fs');
    const gateRan = join(fx.repo.dir, 'gate-ran.txt');
    writeFileSync(cfgFile, JSON.stringify({
      ...cfg,
      notify: { command: appendStdin(notified), desktop: false },
      checks: [{ name: 'test', command: appendLine(ran, 'ran') }],
      gates: ['pr', 'rebased', 'ci', { name: 'size', command: appendLine(gateRan, 'gate') }],
    }));
    for (const id of ['one', 'two', 'three']) {
      const wt = await addRunningTask(fx.fleet, id);
      agentCommit(wt.worktree, `${id}.txt`, `${id}\n`);
      await setSession(fx.fleet, id, { state: 'idle', pid: process.pid });
    }
    const [a, b] = await Promise.all([runCli(fx.repo.root, ['check']), runCli(fx.repo.root, ['check'])]);
    // A process that found the checks claimed by the other one may finish first, with nothing ready yet.
    expect([a.code, b.code]).toContain(3);
    for (const code of [a.code, b.code]) expect([0, 3]).toContain(code);
    expect(a.stderr + b.stderr).toBe('');
    // Whichever process got there first, the registry says each task is ready exactly once.
    const events = lines(notified).map((l) => JSON.parse(l) as { event: string; task: string });
    expect(events.map((e) => `${e.event}:${e.task}`).sort()).toEqual(['ready:one', 'ready:three', 'ready:two']);
    expect(lines(ran)).toHaveLength(3);
    expect(lines(gateRan)).toHaveLength(3);
    for (const id of ['one', 'two', 'three']) expect((await readTask(fx.fleet, id)).state).toBe('ready');
  });

  it('the github forge is picked automatically when the remote is GitHub and gh is logged in (fake gh on PATH)', async () => {
    fx = await makeFleetFixture({ gates: ['pr', 'ci'] });
    const bare = join(fx.repo.dir, 'origin.git');
    git(fx.repo.dir, 'init', '-q', '--bare', bare);
    git(fx.repo.root, 'remote', 'add', 'origin', 'https://github.com/acme/app.git');
    git(fx.repo.root, 'config', 'remote.origin.pushurl', bare);
    const ghDir = join(fx.repo.dir, 'bin');
    writeFakeGh(ghDir, { 'pr-list.json': [ghPr({ headRefName: 'flotilla/auto-a1' })], 'checks.json': [{ name: 'ci', state: 'PENDING', bucket: 'pending', link: '' }], 'checks-exit': '8' });
    const wt = await addRunningTask(fx.fleet, 'auto');
    agentCommit(wt.worktree, 'a.txt', 'a\n');
    await setSession(fx.fleet, 'auto', { state: 'idle', pid: process.pid });
    const r = await runCli(fx.repo.root, ['check', '--json'], { PATH: `${ghDir}:${process.env.PATH}` });
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.forge).toBe('github');
    const task = await readTask(fx.fleet, 'auto');
    expect(task).toMatchObject({ state: 'checking', pr: { forge: 'github', number: 42 }, gates: { pr: { state: 'pass' }, ci: { state: 'pending' } } });
  });
});

describe('flotilla gate <task> --local', () => {
  it('blocks the stop with the failure text (exit 2) at most stopGate.maxBlocks times, then lets it stop', async () => {
    fx = await makeFleetFixture({
      forge: 'local',
      stopGate: { enabled: true, maxBlocks: 2 },
      checks: [{ name: 'test', command: [node, '-e', 'console.error("expected 1 got 2"); process.exit(1)'] }],
    });
    const wt = await addRunningTask(fx.fleet, 'stopper');
    agentCommit(wt.worktree, 's.txt', 's\n');
    const one = await runCli(wt.worktree, ['gate', 'stopper', '--local']);
    expect(one.code).toBe(2);
    expect(one.stderr).toContain('block 1 of 2');
    expect(one.stderr).toContain('Check "test"');
    expect(one.stderr).toContain('expected 1 got 2');
    expect((await runCli(wt.worktree, ['gate', 'stopper', '--local'])).code).toBe(2);
    const three = await runCli(wt.worktree, ['gate', 'stopper', '--local']);
    expect(three).toMatchObject({ code: 0 });
    expect(three.stdout).toContain('2/2 blocks used for attempt 1');
  });

  it('passes (exit 0) when the local gates pass; an unknown task is an error (exit 1), never a block', async () => {
    fx = await makeFleetFixture({ forge: 'local', checks: [{ name: 'ok', command: [node, '-e', ''] }] });
    const wt = await addRunningTask(fx.fleet, 'fine');
    agentCommit(wt.worktree, 'f.txt', 'f\n');
    expect((await runCli(wt.worktree, ['gate', 'fine', '--local'])).code).toBe(0);
    const unknown = await runCli(fx.repo.root, ['gate', 'nope', '--local']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('flotilla: no task "nope" (see `flotilla status`)\n');
  });
});

describe('flotilla watch', () => {
  it('prints one line per event and exits 0 on SIGINT', async () => {
    fx = await makeFleetFixture({ forge: 'local', monitor: { intervalSec: 1 }, notify: { desktop: false } });
    const wt = await addRunningTask(fx.fleet, 'w');
    agentCommit(wt.worktree, 'w.txt', 'w\n');
    await setSession(fx.fleet, 'w', { state: 'idle', pid: process.pid });
    const child = spawn(node, [BIN, 'watch'], { cwd: fx.repo.root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (!sent && out.includes('notify ready')) {
          sent = true;
          child.kill('SIGINT');
        }
      });
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    const body = out.trim().split('\n');
    expect(body[0]).toBe('flotilla watch: 1 task(s), a pass every 1s; Ctrl-C to stop');
    expect(body.some((l) => /^\d\d:\d\d:\d\d w state: running → checking \(agent is idle with 1 commit\)$/.test(l))).toBe(true);
    expect(body.some((l) => /^\d\d:\d\d:\d\d w notify ready: w ready for review: all gates passed: PR #1, 1 commit/.test(l))).toBe(true);
    expect(body.at(-1)).toBe('flotilla watch: stopped');
  });

  it('--json prints one JSON object per line and SIGTERM exits 0', async () => {
    fx = await makeFleetFixture({ forge: 'local', monitor: { intervalSec: 1 }, notify: { desktop: false } });
    const wt = await addRunningTask(fx.fleet, 'j');
    agentCommit(wt.worktree, 'j.txt', 'j\n');
    await setSession(fx.fleet, 'j', { state: 'exited', exitCode: 3 });
    const child = spawn(node, [BIN, 'watch', '--json'], { cwd: fx.repo.root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (!sent && out.includes('"monitor.pass"')) {
          sent = true;
          child.kill('SIGTERM');
        }
      });
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; at: string; change?: { what: string; message: string } });
    expect(events.every((e) => typeof e.at === 'string')).toBe(true);
    expect(events.find((e) => e.type === 'monitor.change' && e.change?.what === 'failure')?.change?.message).toBe('crashed: agent exited with code 3 (1 commit ahead of main)');
  });

  it('SIGHUP (the terminal closed) stops it cleanly too', async () => {
    fx = await makeFleetFixture({ forge: 'local', monitor: { intervalSec: 1 }, notify: { desktop: false } });
    const child = spawn(node, [BIN, 'watch'], { cwd: fx.repo.root, env: { ...process.env, FORCE_COLOR: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('Ctrl-C to stop') && !child.killed) child.kill('SIGHUP');
      });
      child.on('close', resolve);
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out.trim().split('\n').at(-1)).toBe('flotilla watch: stopped');
  });
});
