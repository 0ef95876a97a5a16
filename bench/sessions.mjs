#!/usr/bin/env node
// Bench: a session printing BENCH_MB (default 200) MB into a live screen, against the same command in
// plain tmux, and flotilla's RSS meanwhile. Run after `npm run build`: node bench/sessions.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { createFleet } = await import(pathToFileURL(join(root, 'dist', 'engine', 'index.js')).href);

const MB = Number(process.env.BENCH_MB || 200);
const BYTES = MB * 1024 * 1024;
const LINE = '\\033[1;32mflotilla\\033[0m bench line with \\033[38;5;208msome colour\\033[0m, \\033[7minverse\\033[0m and plain text 0123456789';
// The agent: prints BYTES of colourful lines, then exits. head may cut an escape sequence in two;
// the ESC before the marker ends it, so the marker's first letter is never eaten as its final byte.
const SCRIPT = `yes "$(printf '${LINE}')" | head -c ${BYTES}; printf '\\033[0m\\nBENCH-DONE\\n'`;
const ARGV = ['sh', '-c', SCRIPT];

function tmux(socket, args) {
  return execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

async function plainTmux() {
  const socket = `bench-plain-${process.pid}`;
  const conf = join(tmpdir(), `${socket}.conf`);
  writeFileSync(conf, 'set -g remain-on-exit on\nset -g status off\nset -g history-limit 5000\n');
  const t0 = performance.now();
  tmux(socket, ['-f', conf, 'new-session', '-d', '-s', 'b', '-x', '120', '-y', '40', '--', ...ARGV]);
  for (;;) {
    const out = tmux(socket, ['list-panes', '-a', '-F', '#{pane_dead}']);
    if (out.trim() === '1') break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const ms = performance.now() - t0;
  try {
    tmux(socket, ['kill-server']);
  } catch {}
  rmSync(conf, { force: true });
  return ms;
}

function tempRepo(runtime) {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-')));
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.flotilla'), { recursive: true });
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env });
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', 'init'], { cwd: repo, env });
  writeFileSync(join(repo, '.git', 'info', 'exclude'), '.flotilla/\n');
  writeFileSync(
    join(repo, '.flotilla', 'config.json'),
    JSON.stringify({ runtime, worktreeRoot: join(dir, 'wt'), profiles: { bench: { command: ARGV } } }),
  );
  return { dir, repo };
}

async function flotilla(runtime) {
  const { dir, repo } = tempRepo(runtime);
  const socket = `bench-flotilla-${process.pid}`;
  const fleet = await createFleet({ cwd: repo, sessions: { runtime, tmuxSocket: socket, size: { cols: 120, rows: 40 } } });
  await fleet.dispatch({ type: 'task.add', input: { title: 'bench', id: 'bench', agent: 'bench', prompt: 'print' } });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const exited = new Promise((resolve) =>
    fleet.events.on((e) => e.type === 'session.status' && e.session.state === 'exited' && resolve(e.session)),
  );
  const t0 = performance.now();
  await fleet.dispatch({ type: 'task.start', id: 'bench' });
  let changes = 0;
  const off = fleet.sessions.subscribeScreen('bench', { cols: 120, rows: 40 }, () => changes++);
  await exited;
  const ms = performance.now() - t0;
  clearInterval(sampler);
  const screen = await fleet.sessions.capture('bench');
  off();
  await fleet.close({});
  try {
    execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
  } catch {}
  rmSync(dir, { recursive: true, force: true });
  return { ms, peakMB: peak / 1024 / 1024, changes, done: screen.includes('BENCH-DONE') };
}

/** RSS (MB) and command line of every process whose parent is `ppid`. */
function childrenOf(ppid) {
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid) continue;
      const rssKB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      out.push({ pid: Number(pid), rssMB: rssKB / 1024, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') });
    } catch {}
  }
  return out;
}

/** Pids of every process whose title is a shared log writer of `socket`. */
function hubsOf(socket) {
  const out = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0+$/, '') !== `flotilla-log-hub ${socket}`) continue;
      const rssKB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      out.push({ pid: Number(pid), rssMB: rssKB / 1024 });
    } catch {}
  }
  return out;
}

const rssMB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * What each tmux agent costs beside the agent itself: the tmux server's other children (log
 * writers of their own), the shared log writer, and the tmux server's own growth per pane.
 * `shared`: false runs the same fleet with a writer per agent (FLOTILLA_LOG_HUB=0), as before.
 */
async function costPerAgent(n, shared) {
  const AGENT = ['sh', '-c', 'while :; do echo "line $(date +%s)"; sleep 1; done'];
  const { dir, repo } = tempRepo('tmux');
  const cfg = JSON.parse(readFileSync(join(repo, '.flotilla', 'config.json'), 'utf8'));
  cfg.profiles.ticker = { command: AGENT };
  cfg.limits = { maxAgents: n + 1, staggerMs: 0, defaultPeakMB: { agent: 16 } };
  writeFileSync(join(repo, '.flotilla', 'config.json'), JSON.stringify(cfg));
  const socket = `bench-cost-${process.pid}-${shared ? 'hub' : 'own'}`;
  const saved = process.env.FLOTILLA_LOG_HUB;
  if (shared) delete process.env.FLOTILLA_LOG_HUB;
  else process.env.FLOTILLA_LOG_HUB = '0';
  const fleet = await createFleet({ cwd: repo, sessions: { runtime: 'tmux', tmuxSocket: socket, size: { cols: 120, rows: 40 } } });
  for (let i = 0; i < n; i++) await fleet.dispatch({ type: 'task.add', input: { title: `t${i}`, id: `t${i}`, agent: 'ticker', prompt: 'tick' } });
  await fleet.dispatch({ type: 'task.add', input: { title: 'first', id: 'first', agent: 'ticker', prompt: 'tick' } });
  await fleet.dispatch({ type: 'task.start', id: 'first' });
  await new Promise((r) => setTimeout(r, 1500));
  const server = Number(tmux(socket, ['display-message', '-p', '#{pid}']).trim());
  const serverOneMB = rssMB(server);
  for (let i = 0; i < n; i++) await fleet.dispatch({ type: 'task.start', id: `t${i}` });
  await new Promise((r) => setTimeout(r, 3000));
  const agentPids = new Set(tmux(socket, ['list-panes', '-a', '-F', '#{pane_pid}']).trim().split('\n').map(Number));
  const kids = childrenOf(server);
  const writers = kids.filter((k) => !agentPids.has(k.pid));
  const agents = kids.filter((k) => agentPids.has(k.pid));
  const hubs = hubsOf(join(repo, '.flotilla', 'log-hub.sock'));
  const serverMB = rssMB(server);
  const sum = (xs) => xs.reduce((a, x) => a + x.rssMB, 0);
  await fleet.close({ killSessions: true });
  try {
    tmux(socket, ['kill-server']);
  } catch {}
  if (saved === undefined) delete process.env.FLOTILLA_LOG_HUB;
  else process.env.FLOTILLA_LOG_HUB = saved;
  rmSync(dir, { recursive: true, force: true });
  return {
    n: n + 1,
    processes: writers.length + hubs.length,
    writerMB: sum(writers) + sum(hubs),
    agents: agents.length,
    agentMB: sum(agents),
    serverPerPaneMB: (serverMB - serverOneMB) / n,
  };
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s (${(MB / (ms / 1000)).toFixed(0)} MB/s)`;
console.log('cost per agent (tmux agents, a shell printing a line a second): flotilla processes for their logs, MB in all; tmux server growth per pane');
for (const n of (process.env.BENCH_AGENTS || '10,50').split(',').map(Number)) {
  for (const shared of [false, true]) {
    const c = await costPerAgent(n - 1, shared);
    console.log(
      `  ${String(c.n).padStart(3)} agents, ${shared ? 'one shared writer ' : 'a writer per agent'}: ${String(c.processes).padStart(3)} processes ${c.writerMB.toFixed(1).padStart(6)} MB ` +
        `(${(c.writerMB / c.n).toFixed(2)} MB per agent); tmux server +${c.serverPerPaneMB.toFixed(2)} MB per pane; the agents themselves ${(c.agentMB / Math.max(1, c.agents)).toFixed(1)} MB each`,
    );
  }
}
if (process.env.BENCH_MB === '0') process.exit(0);
console.log(`flotilla sessions bench: ${MB} MB of coloured lines into a 120x40 screen`);
const base = await plainTmux();
console.log(`plain tmux (baseline)                          ${fmt(base)}`);
for (const [runtime, own] of [['tmux', false], ['tmux', true], ['pty', false]]) {
  // own: the log written by a writer of the agent's own (FLOTILLA_LOG_HUB=0), as before the shared one.
  const saved = process.env.FLOTILLA_LOG_HUB;
  if (own) process.env.FLOTILLA_LOG_HUB = '0';
  const r = await flotilla(runtime);
  if (saved === undefined) delete process.env.FLOTILLA_LOG_HUB;
  else process.env.FLOTILLA_LOG_HUB = saved;
  const label = runtime === 'tmux' ? (own ? 'tmux, own writer' : 'tmux, shared writer') : 'pty';
  console.log(
    `flotilla ${label.padEnd(19)} + live screen ${fmt(r.ms)}  ratio ${(r.ms / base).toFixed(2)}x  peak RSS ${r.peakMB.toFixed(0)} MB  screen updates ${r.changes}${r.done ? '' : '  (final screen missing BENCH-DONE!)'}`,
  );
}
