#!/usr/bin/env node
// Bench: the fleet view at scale. BENCH_AGENTS (default 100) tasks; the view runs in tmux at 200x50.
//  1. idle fleet: the tasks exist, no agent runs;
//  2. live fleet: every task's agent (a shell printing a line a second, tmux runtime) runs.
// For each: list key latency (j/k sent with tmux send-keys until capture-pane shows the new
// selection in the pane's title, BENCH_KEYS keys), the view's CPU % over BENCH_CPU_SECONDS with no
// keys, and its RSS, and in that time how many frames Ink wrote, how many times the live pane's
// painter wrote (pane-painter.ts) and the bytes. Floor, same method and run: `cat` in tmux echoing a key.
// BENCH_BASE_BIN=<another build's bin/flotilla>: that build's view is measured too, on the same
// fleet right before this one's (before/after in one run, without starting the agents twice).
// BENCH_ONLY=idle: the idle fleet only (no agent started). BENCH_REPEAT=2: each view measured twice (A B A B).
// Run after `npm run build`: node bench/fleet-scale.mjs
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TICKS, closeView, cpuTicks, keyLatency, listKeyLatencies, makeBenchRepo, openView, pct, rssMB, sleep, tmux } from './lib/view.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'flotilla');
const BASE_BIN = process.env.BENCH_BASE_BIN || null;
const N = Number(process.env.BENCH_AGENTS || 100);
const KEYS = Number(process.env.BENCH_KEYS || 40);
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS || 10);
// BENCH_KEY_GAP_MS: the pause after a key shows before the next is sent (default 50: keys about
// every 70-100 ms, a quick run through the list; 300: single presses, each row's screen followed).
const KEY_GAP_MS = Number(process.env.BENCH_KEY_GAP_MS || 50);
const REPEAT = Number(process.env.BENCH_REPEAT || 1);
// BENCH_VIEW_NODE_ARGS: node options for the view (e.g. --cpu-prof --cpu-prof-dir=/tmp/prof).
const NODE_ARGS = (process.env.BENCH_VIEW_NODE_ARGS || '').split(' ').filter(Boolean);
const VIEW_SOCKET = `bench-view-${process.pid}`;
const AGENT_SOCKET = `bench-agents-${process.pid}`;

function makeRepo() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-scale-')));
  const root = join(dir, 'repo');
  const config = {
    runtime: 'tmux',
    worktreeRoot: join(dir, 'worktrees'),
    gates: [],
    limits: { maxAgents: N, staggerMs: 0, defaultPeakMB: { agent: 16 } },
    profiles: { tick: { command: ['sh', '-c', 'while :; do echo "tick $(date +%s)"; sleep 1; done'], hooks: 'none' } },
  };
  const env = makeBenchRepo(root, config);
  return { dir, root, env };
}

const ids = Array.from({ length: N }, (_, i) => `t${String(i).padStart(3, '0')}`);

/** Opens the view in tmux, measures keys, CPU and RSS, closes it. */
async function measureView(repo, label, bin = BIN) {
  const pid = await openView({ socket: VIEW_SOCKET, root: repo.root, env: [`FLOTILLA_TMUX_SOCKET=${AGENT_SOCKET}`], bin, nodeArgs: NODE_ARGS, firstId: ids[0], timeoutMs: 60_000 });
  await sleep(3000); // adoption of the sessions, first monitor pass
  const times = await listKeyLatencies(VIEW_SOCKET, ids, KEYS, 10_000, KEY_GAP_MS);
  // What the view writes meanwhile (tmux pipe-pane): Ink's frames (each in a synchronized-output
  // block) and the live pane painter's writes (each in ESC 7 ... ESC 8).
  const piped = join(repo.dir, `pipe-${process.pid}-${label.replace(/\W+/g, '-')}.bin`);
  tmux(VIEW_SOCKET, ['pipe-pane', '-t', 'view', '-o', `cat > '${piped}'`]);
  const t0 = cpuTicks(pid);
  const w0 = performance.now();
  await sleep(CPU_SECONDS * 1000);
  const cpu = ((cpuTicks(pid) - t0) / TICKS / ((performance.now() - w0) / 1000)) * 100;
  const rss = rssMB(pid);
  tmux(VIEW_SOCKET, ['pipe-pane', '-t', 'view']);
  await sleep(200);
  const out = readFileSync(piped, 'latin1');
  const writes = { bytes: out.length, ink: out.split('\x1b[?2026h').length - 1, painter: out.split('\x1b7').length - 1 };
  await closeView(VIEW_SOCKET);
  return { label, p50: pct(times, 50), p95: pct(times, 95), cpu, rss, writes };
}

/** The floor: `cat` in tmux, a key until it shows. */
async function catFloor() {
  const socket = `bench-cat-${process.pid}`;
  tmux(socket, ['-f', '/dev/null', 'new-session', '-d', '-s', 'cat', '-x', '200', '-y', '50', '--', 'cat']);
  await sleep(300);
  const times = [];
  let typed = 0;
  for (let i = 0; i < KEYS; i++) {
    typed++;
    const want = typed;
    times.push(await keyLatency(socket, 'cat', 'a', (s) => (s.match(/a/g) ?? []).length >= want));
    await sleep(50);
  }
  try {
    tmux(socket, ['kill-server']);
  } catch {}
  return { p50: pct(times, 50), p95: pct(times, 95) };
}

const repo = makeRepo();
const { createFleet } = await import(pathToFileURL(join(ROOT, 'dist', 'engine', 'index.js')).href);
const fleet = await createFleet({ cwd: repo.root, sessions: { runtime: 'tmux', tmuxSocket: AGENT_SOCKET, size: { cols: 120, rows: 40 } } });
try {
  for (const id of ids) await fleet.dispatch({ type: 'task.add', input: { title: `Bench ${id}`, id, agent: 'tick', prompt: 'tick' } });
  const floor = await catFloor();
  console.log(`fleet-scale bench: ${N} tasks, the view in tmux 200x50, ${KEYS} list keys ${KEY_GAP_MS} ms apart, CPU over ${CPU_SECONDS}s; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  console.log(`floor: cat in tmux, key until shown: p50 ${floor.p50.toFixed(1)} ms, p95 ${floor.p95.toFixed(1)} ms`);
  const report = (r) =>
    console.log(
      `${r.label.padEnd(40)} key p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms (p95 ${(r.p95 / floor.p95).toFixed(1)}x cat); view CPU ${r.cpu.toFixed(2)} %; RSS ${r.rss.toFixed(0)} MB; ` +
        `in ${CPU_SECONDS}s ${r.writes.ink} Ink frames, ${r.writes.painter} pane paints, ${(r.writes.bytes / 1024).toFixed(0)} KiB`,
    );
  for (let r = 0; r < REPEAT; r++) {
    if (BASE_BIN) report(await measureView(repo, `base: idle fleet (${N} tasks, no agent)`, BASE_BIN));
    report(await measureView(repo, `idle fleet (${N} tasks, no agent)`));
  }
  if (process.env.BENCH_ONLY !== 'idle') {
    const t0 = performance.now();
    for (const id of ids) await fleet.dispatch({ type: 'task.start', id });
    console.log(`(${N} agents started in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    await fleet.close();
    for (let r = 0; r < REPEAT; r++) {
      if (BASE_BIN) report(await measureView(repo, `base: live fleet (${N} agents, 1 line/s)`, BASE_BIN));
      report(await measureView(repo, `live fleet (${N} agents, 1 line/s)`));
    }
  }
} finally {
  await fleet.close().catch(() => undefined);
  for (const s of [VIEW_SOCKET, AGENT_SOCKET]) {
    try {
      tmux(s, ['kill-server']);
    } catch {}
  }
  rmSync(repo.dir, { recursive: true, force: true });
}
