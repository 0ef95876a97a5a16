// The fleet view with remote agents (issue 17's bench): `BENCH_VIEW=1 node bench/hosts.mjs`.
// Two repositories with AGENTS tasks each, every task's agent a shell printing a line a second:
//  - remote: the tasks started with `--host` round-robin across HOSTS sshd on 127.0.0.1 (the real
//    start path: mirror push, worktree and tmux session on the host);
//  - local: the same fleet on this machine's tmux ("the same fleet on one host": the machine the
//    view runs on, no ssh in the way).
// Both fleets stay live through the whole run, so the machine's load is the same for both views.
// The view (bin/flotilla in tmux 200x50) is measured for each, alternating ROUNDS times: list key
// latency (j/k until the pane title shows the new selection, as bench/fleet-scale.mjs does), CPU of
// the view over CPU_SECONDS with no keys (its reaped children, the ssh clients it starts, included),
// its RSS, and the ssh processes it started in that time. Then the ratio remote/local.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SSHD, sshdFixture } from './lib/sshd.mjs';
import { TICKS, capture, closeView, cpuTicks, listKeyLatencies, makeBenchRepo, openView, pct, rssMB, sleep } from './lib/view.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'flotilla');
const HOSTS = Number(process.env.HOSTS ?? 5);
const AGENTS = Number(process.env.AGENTS ?? 50);
const KEYS = Number(process.env.BENCH_KEYS ?? 30);
const ROUNDS = Number(process.env.ROUNDS ?? 2);
const CPU_SECONDS = Number(process.env.BENCH_CPU_SECONDS ?? 10);
// ms between a key's screen and the next key: 50 moves fast (rows passed are not followed); 300 is
// single presses, each row followed (its live pane's ssh -t client started).
const GAP_MS = Number(process.env.BENCH_GAP_MS ?? 50);
const NODE_ARGS = (process.env.BENCH_VIEW_NODE_ARGS || '').split(' ').filter(Boolean);
if (!SSHD) {
  console.log('hosts view bench: sshd not found (install openssh-server)');
  process.exit(0);
}
const VIEW_SOCKET = `bench-hv-view-${process.pid}`;
// This machine's tmux socket of each repository (session names are task ids: one socket per fleet).
const agentSocket = (root) => `bench-hv-agents-${process.pid}-${root.endsWith('remote') ? 'r' : 'l'}`;
// The view's CPU counts the children it has reaped (the ssh clients it started).
const viewTicks = (pid) => cpuTicks(pid, { reaped: true });

/** ssh client processes whose parent is `pid` right now (sampled: each lives well under a second). */
function sshChildren(pid) {
  let n = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (comm === 'ssh' && ppid === pid) n++;
    } catch {
      // gone
    }
  }
  return n;
}

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-hv-')));
const children = [];
const { userKey, knownHosts, startSshd } = sshdFixture(dir, children);

async function startHost(i) {
  const h = join(dir, `h${i}`);
  mkdirSync(join(h, 'root'), { recursive: true });
  const port = await startSshd(h);
  return { name: `h${i}`, root: join(h, 'root'), config: { ssh: `${userInfo().username}@127.0.0.1`, port, identityFile: userKey, knownHostsFile: knownHosts, worktreeRoot: join(h, 'root'), maxAgents: AGENTS, memReserveMB: 0 } };
}

function makeRepo(name, hosts) {
  const root = join(dir, name);
  const config = {
    runtime: 'tmux',
    worktreeRoot: join(dir, `${name}-worktrees`),
    gates: [],
    notify: { bell: false, desktop: false },
    limits: { maxAgents: AGENTS, staggerMs: 0, defaultPeakMB: { agent: 16 } },
    profiles: { tick: { command: ['sh', '-c', 'while :; do echo "tick $(date +%s)"; sleep 1; done'], hooks: 'none' } },
    ...(hosts.length ? { hosts: Object.fromEntries(hosts.map((h) => [h.name, h.config])) } : {}),
  };
  makeBenchRepo(root, config);
  return root;
}

const ids = Array.from({ length: AGENTS }, (_, i) => `t${String(i).padStart(3, '0')}`);

/** Opens the view in tmux on `root`, measures keys, CPU, RSS and ssh processes, closes it. */
async function measureView(root, label) {
  const pid = await openView({ socket: VIEW_SOCKET, root, env: [`FLOTILLA_TMUX_SOCKET=${agentSocket(root)}`], bin: BIN, nodeArgs: NODE_ARGS, firstId: ids[0], timeoutMs: 90_000 });
  // Adoption of the sessions and the first monitoring pass; then the live pane must show the agent.
  const live = Date.now() + 60_000;
  while (!/tick \d+/.test(await capture(VIEW_SOCKET, 'view'))) {
    if (Date.now() > live) throw new Error(`the live pane did not show the agent: ${await capture(VIEW_SOCKET, 'view')}`);
    await sleep(200);
  }
  await sleep(3000);
  const times = await listKeyLatencies(VIEW_SOCKET, ids, KEYS, 20_000, GAP_MS);
  const c0 = viewTicks(pid);
  const w0 = performance.now();
  let ssh = 0;
  let samples = 0;
  while (performance.now() - w0 < CPU_SECONDS * 1000) {
    ssh += sshChildren(pid);
    samples++;
    await sleep(100);
  }
  const cpu = ((viewTicks(pid) - c0) / TICKS / ((performance.now() - w0) / 1000)) * 100;
  const rss = rssMB(pid);
  await closeView(VIEW_SOCKET);
  return { label, times, p50: pct(times, 50), p95: pct(times, 95), cpu, rss, sshLive: ssh / samples };
}

/** Starts a task, trying again after a failure of a loaded machine (a start that got through counts). */
async function startOne(fleet, id, host) {
  for (let i = 0; ; i++) {
    try {
      return await fleet.dispatch({ type: 'task.start', id, ...(host ? { host } : {}) });
    } catch (err) {
      if (/already running/.test(String(err))) return;
      // A loaded machine: the registry lock timed out, or ssh gave up (exit 255) while a master started.
      if (i >= 4 || !/could not take the lock|exit 255/.test(String(err))) throw err;
    }
  }
}

const { createFleet, closeMaster } = await import(pathToFileURL(join(ROOT, 'dist', 'engine', 'index.js')).href);
const hosts = [];
let remoteRoot = null;
try {
  for (let i = 0; i < HOSTS; i++) hosts.push(await startHost(i));
  remoteRoot = makeRepo('remote', hosts);
  const localRoot = makeRepo('local', []);
  const size = { cols: 120, rows: 40 };
  const t0 = performance.now();
  for (const [root, host] of [[localRoot, null], [remoteRoot, true]]) {
    const fleet = await createFleet({ cwd: root, sessions: { runtime: 'tmux', tmuxSocket: agentSocket(root), size } });
    try {
      for (const id of ids) await fleet.dispatch({ type: 'task.add', input: { title: `Bench ${id}`, id, agent: 'tick', prompt: 'tick' } });
      // One start per host at a time (a start is several execs over that host's connection).
      const lanes = host ? hosts.map((h, k) => ids.filter((_, i) => i % hosts.length === k).map((id) => [id, h.name])) : [ids.map((id) => [id, undefined])];
      await Promise.all(lanes.map(async (lane) => {
        for (const [id, h] of lane) await startOne(fleet, id, h);
      }));
    } finally {
      await fleet.close();
    }
  }
  console.log(`hosts view bench: ${AGENTS} agents (a line a second each) across ${HOSTS} loopback sshd hosts vs the same ${AGENTS} on this machine's tmux`);
  console.log(`(both fleets started in ${((performance.now() - t0) / 1000).toFixed(0)} s; both stay live; the view in tmux 200x50, ${KEYS} list keys j/k ${GAP_MS} ms apart, CPU over ${CPU_SECONDS} s; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`);
  const report = (r) =>
    console.log(`${r.label.padEnd(34)} key p50 ${r.p50.toFixed(1)} ms, p95 ${r.p95.toFixed(1)} ms; view CPU ${r.cpu.toFixed(2)} % (its ssh clients included); RSS ${r.rss.toFixed(0)} MB; ssh clients of the view alive ${r.sshLive.toFixed(2)} on average`);
  const local = [];
  const remote = [];
  // Local first in every round: two remote views back to back met, twice, a host login shell's
  // pyenv rehash lock left by the first view's quit (every later login waited up to a minute).
  for (let round = 0; round < ROUNDS; round++) {
    local.push(await measureView(localRoot, `local tmux, round ${round + 1}`));
    report(local.at(-1));
    remote.push(await measureView(remoteRoot, `${HOSTS} hosts, round ${round + 1}`));
    report(remote.at(-1));
  }
  const med = (rs, k) => pct(rs.map((r) => r[k]), 50);
  for (const k of ['p50', 'p95']) console.log(`ratio ${HOSTS} hosts / local, key ${k} (median of rounds): ${(med(remote, k) / med(local, k)).toFixed(2)} (aim ≤ 1.10)`);
  // Every key of every round together: a p95 of one round's 30-60 keys is its second or third worst key.
  const all = (rs) => rs.flatMap((r) => r.times);
  for (const p of [50, 95]) console.log(`ratio ${HOSTS} hosts / local, key p${p} of all ${all(remote).length} keys: ${pct(all(remote), p).toFixed(1)} / ${pct(all(local), p).toFixed(1)} ms = ${(pct(all(remote), p) / pct(all(local), p)).toFixed(2)} (aim ≤ 1.10)`);
  console.log(`view CPU ${HOSTS} hosts / local: ${med(remote, 'cpu').toFixed(2)} % / ${med(local, 'cpu').toFixed(2)} %; load average now ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
} finally {
  for (const s of [VIEW_SOCKET, agentSocket('local'), agentSocket('remote')]) spawnSync('tmux', ['-L', s, 'kill-server'], { stdio: 'ignore' });
  for (const h of hosts) {
    const socket = spawnSync('sh', ['-c', 'ls -d "$0"/.flotilla/*/tmux 2>/dev/null', h.root], { encoding: 'utf8' }).stdout.trim();
    if (socket) spawnSync('tmux', ['-S', socket, 'kill-server'], { stdio: 'ignore' });
    if (remoteRoot) closeMaster(join(remoteRoot, '.flotilla'), h.name, h.config);
  }
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
