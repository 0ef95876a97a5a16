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

/** What each tmux agent costs beside the agent itself: the tmux server's other children (log writers). */
async function costPerAgent(n) {
  const AGENT = ['sh', '-c', 'while :; do echo "line $(date +%s)"; sleep 1; done'];
  const { dir, repo } = tempRepo('tmux');
  const cfg = JSON.parse(readFileSync(join(repo, '.flotilla', 'config.json'), 'utf8'));
  cfg.profiles.ticker = { command: AGENT };
  cfg.limits = { maxAgents: n, staggerMs: 0 };
  writeFileSync(join(repo, '.flotilla', 'config.json'), JSON.stringify(cfg));
  const socket = `bench-cost-${process.pid}`;
  const fleet = await createFleet({ cwd: repo, sessions: { runtime: 'tmux', tmuxSocket: socket, size: { cols: 120, rows: 40 } } });
  for (let i = 0; i < n; i++) await fleet.dispatch({ type: 'task.add', input: { title: `t${i}`, id: `t${i}`, agent: 'ticker', prompt: 'tick' } });
  for (let i = 0; i < n; i++) await fleet.dispatch({ type: 'task.start', id: `t${i}` });
  await new Promise((r) => setTimeout(r, 3000));
  const server = Number(tmux(socket, ['display-message', '-p', '#{pid}']).trim());
  const agentPids = new Set(tmux(socket, ['list-panes', '-a', '-F', '#{pane_pid}']).trim().split('\n').map(Number));
  const kids = childrenOf(server);
  const writers = kids.filter((k) => !agentPids.has(k.pid));
  const agents = kids.filter((k) => agentPids.has(k.pid));
  const sum = (xs) => xs.reduce((a, x) => a + x.rssMB, 0);
  await fleet.close({ killSessions: true });
  try {
    tmux(socket, ['kill-server']);
  } catch {}
  rmSync(dir, { recursive: true, force: true });
  const kind = writers[0]?.cmd.includes('log-writer.js') ? 'node' : writers[0]?.cmd.startsWith('/') && writers[0].cmd.includes('perl') ? 'perl' : 'unknown';
  return { n, writers: writers.length, writerMB: sum(writers), agents: agents.length, agentMB: sum(agents), kind };
}

const fmt = (ms) => `${(ms / 1000).toFixed(2)} s (${(MB / (ms / 1000)).toFixed(0)} MB/s)`;
const N = Number(process.env.BENCH_AGENTS || 10);
const c = await costPerAgent(N);
console.log(
  `cost per agent: ${c.n} tmux agents (a shell printing a line a second): ${c.writers} log writers (${c.kind}) ${c.writerMB.toFixed(1)} MB in all, ` +
    `${(c.writerMB / Math.max(1, c.writers)).toFixed(1)} MB each; the ${c.agents} agents themselves ${(c.agentMB / Math.max(1, c.agents)).toFixed(1)} MB each`,
);
if (process.env.BENCH_MB === '0') process.exit(0);
console.log(`flotilla sessions bench: ${MB} MB of coloured lines into a 120x40 screen`);
const base = await plainTmux();
console.log(`plain tmux (baseline)            ${fmt(base)}`);
for (const runtime of ['tmux', 'pty']) {
  const r = await flotilla(runtime);
  console.log(
    `flotilla ${runtime.padEnd(4)} + live screen     ${fmt(r.ms)}  ratio ${(r.ms / base).toFixed(2)}x  peak RSS ${r.peakMB.toFixed(0)} MB  screen updates ${r.changes}${r.done ? '' : '  (final screen missing BENCH-DONE!)'}`,
  );
}
