#!/usr/bin/env node
// Bench: stopping a fleet. BENCH_AGENTS (default 50) live tmux agents (each a shell printing a line
// a second), then `flotilla stop --all` through the real bin/flotilla, timed from spawn to exit.
// Baseline, same run and same agents: `tmux kill-server` on their socket (what it costs to end 50
// tmux sessions with nothing recorded). BENCH_ROUNDS (default 2) rounds of each, the agents started
// afresh before every measurement; the figures are medians.
// Registry writes during each stop are counted (renames onto .flotilla/tasks.json, seen by inotify).
// BENCH_BASE_BIN=<another build's bin/flotilla>: that build's stop --all is measured too, in the same
// rounds, on the same agents (started afresh for each).
// Run after `npm run build`: node bench/stop.mjs
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'flotilla');
const BASE_BIN = process.env.BENCH_BASE_BIN || null;
const N = Number(process.env.BENCH_AGENTS || 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS || 2);
const SOCKET = `bench-stop-${process.pid}`;
const ENV = { ...process.env, FLOTILLA_TMUX_SOCKET: SOCKET, FORCE_COLOR: '0', GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b.invalid' };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function makeRepo() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-stop-')));
  const root = join(dir, 'repo');
  mkdirSync(root);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root, env: ENV });
  writeFileSync(join(root, 'README.md'), '# bench\n');
  execFileSync('git', ['add', '-A'], { cwd: root, env: ENV });
  execFileSync('git', ['commit', '-q', '-m', 'init'], { cwd: root, env: ENV });
  mkdirSync(join(root, '.flotilla'), { mode: 0o700 });
  writeFileSync(join(root, '.git', 'info', 'exclude'), '.flotilla/\n');
  const config = {
    runtime: 'tmux',
    worktreeRoot: join(dir, 'worktrees'),
    gates: [],
    limits: { maxAgents: N, staggerMs: 0, defaultPeakMB: { agent: 16 } },
    profiles: { tick: { command: ['sh', '-c', 'while :; do echo "tick $(date +%s)"; sleep 1; done'], hooks: 'none' } },
  };
  writeFileSync(join(root, '.flotilla', 'config.json'), JSON.stringify(config));
  return { dir, root };
}

const tmuxSessions = () => {
  try {
    return execFileSync('tmux', ['-L', SOCKET, 'list-sessions', '-F', '#{session_name}'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean).length;
  } catch {
    return 0;
  }
};

function run(cwd, args, bin = BIN) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, ms: performance.now() - t0 }));
  });
}

const ids = Array.from({ length: N }, (_, i) => `s${String(i).padStart(3, '0')}`);
const repo = makeRepo();

/** Starts every task's agent (`flotilla start --all`, a new attempt each time); tmux has them all after. */
async function startAll() {
  const res = await run(repo.root, ['start', '--all']);
  if (res.code !== 0) throw new Error(`start --all failed (${res.code}):\n${res.out}`);
  if (tmuxSessions() !== N) throw new Error(`expected ${N} tmux sessions, found ${tmuxSessions()}`);
}

try {
  const { createFleet } = await import(pathToFileURL(join(ROOT, 'dist', 'engine', 'index.js')).href);
  const fleet = await createFleet({ cwd: repo.root });
  for (const id of ids) await fleet.dispatch({ type: 'task.add', input: { title: `Bench ${id}`, id, agent: 'tick', prompt: 'tick' } });
  await fleet.close();
  const base = [];
  const stop = [];
  const stopBase = [];
  /** stop --all by `bin` on freshly started agents: ms, and registry writes seen meanwhile. */
  async function measureStop(bin) {
    await startAll();
    let writes = 0;
    const watcher = watch(join(repo.root, '.flotilla'), (event, file) => {
      if (event === 'rename' && file === 'tasks.json') writes++;
    });
    const res = await run(repo.root, ['stop', '--all'], bin);
    await new Promise((r) => setTimeout(r, 200)); // the last inotify events
    watcher.close();
    if (res.code !== 0) throw new Error(`flotilla stop --all failed (${res.code}):\n${res.out}`);
    if (tmuxSessions() !== 0) throw new Error(`${tmuxSessions()} tmux sessions left after stop --all`);
    const states = JSON.parse((await run(repo.root, ['status', '--json'])).out).tasks.map((t) => t.state);
    if (states.some((s) => s !== 'stopped')) throw new Error(`not all stopped: ${[...new Set(states)].join(', ')}`);
    return { ms: res.ms, writes };
  }
  for (let r = 0; r < ROUNDS; r++) {
    await startAll();
    const t0 = performance.now();
    execFileSync('tmux', ['-L', SOCKET, 'kill-server']);
    base.push(performance.now() - t0);
    // The registry still says running: a stop of each records the exit (and the next start is clean).
    const cleanup = await run(repo.root, ['stop', '--all']);
    if (cleanup.code !== 0) throw new Error(`stop --all after kill-server failed:\n${cleanup.out}`);
    if (BASE_BIN) stopBase.push(await measureStop(BASE_BIN));
    stop.push(await measureStop(BIN));
  }
  const b = median(base);
  const line = (label, runs) => {
    const s = median(runs.map((x) => x.ms));
    const w = median(runs.map((x) => x.writes));
    console.log(`${label.padEnd(50)} ${s.toFixed(0).padStart(6)} ms  (${(s / b).toFixed(1)}x baseline; ${(s / N).toFixed(0)} ms per agent); ${w} registry writes`);
  };
  console.log(`stop bench: ${N} live tmux agents, ${ROUNDS} round(s), medians`);
  console.log(`baseline: tmux kill-server on their socket        ${b.toFixed(0).padStart(6)} ms`);
  if (BASE_BIN) line('base: flotilla stop --all (spawn to exit)', stopBase);
  line('flotilla stop --all (spawn to exit, all recorded)', stop);
} finally {
  try {
    execFileSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
  } catch {}
  rmSync(repo.dir, { recursive: true, force: true });
}
