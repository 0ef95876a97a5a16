#!/usr/bin/env node
// Bench: monitoring many agents across hosts (run after `npm run build`; needs sshd, tmux, git).
// Starts HOSTS sshd processes on 127.0.0.1 (generated keys, one "host" each with its own tmux
// socket holding AGENTS/HOSTS live sessions and as many git worktrees), then measures one
// monitoring pass = the batched probe of every host at once (memory, programs, every session's
// state, every worktree's git facts), cold (master connections opened) and warm (median of PASSES),
// counting the ssh processes each pass starts. Baselines in the same run: one ssh call per task
// (tmux has-session + git status for each agent over the same master connections), and the probe of
// the same 50 agents when they all sit on one host. A last pass adds a host that accepts TCP and
// never answers: the healthy hosts' answers are timed inside that pass.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { SSHD, sshdFixture } from './lib/sshd.mjs';

// BENCH_VIEW=1: the fleet view with those agents live, against the same fleet on this machine (hosts-view.mjs).
if (process.env.BENCH_VIEW === '1') {
  await import('./hosts-view.mjs');
  process.exit(0);
}

const dist = new URL('../dist/engine/', import.meta.url);
const { probeHosts, sshTransport, transportRun, controlDir } = await import(new URL('hosts/index.js', dist).href);
const { runCommand } = await import(new URL('exec/index.js', dist).href);

const HOSTS = Number(process.env.HOSTS ?? 5);
const AGENTS = Number(process.env.AGENTS ?? 50);
const PASSES = Number(process.env.PASSES ?? 7);
const TIMEOUT_MS = 15000;
if (!SSHD) {
  console.log('hosts bench: sshd not found (install openssh-server)');
  process.exit(0);
}

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-hosts-')));
const children = [];
const sockets = [];
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' };
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// The repository every "host" has worktrees of.
const repo = join(dir, 'repo');
git(dir, 'init', '-q', '-b', 'main', repo);
writeFileSync(join(repo, 'README.md'), '# bench\n');
git(repo, 'add', '-A');
git(repo, 'commit', '-qm', 'init');
const { userKey, knownHosts, startSshd } = sshdFixture(dir, children);

async function makeHost(i, agents) {
  const h = join(dir, `h${i}`);
  mkdirSync(h);
  const port = await startSshd(h);
  const socket = join(h, 'tmux.sock');
  const worktrees = [];
  for (let a = 0; a < agents; a++) {
    const name = `flotilla-t${i}x${a}-a1`;
    execFileSync('tmux', ['-S', socket, '-f', '/dev/null', 'new-session', '-d', '-s', name, 'sleep 900']);
    const wt = join(h, 'wt', `t${i}x${a}-a1`);
    git(repo, 'worktree', 'add', '-q', '-b', `flotilla/h${i}-t${a}-a1`, wt);
    writeFileSync(join(wt, 'work.txt'), `${a}\n`);
    worktrees.push(wt);
  }
  sockets.push(socket);
  const host = {
    name: `h${i}`,
    config: { ssh: `${userInfo().username}@127.0.0.1`, port, identityFile: userKey, knownHostsFile: knownHosts, maxAgents: 50, memReserveMB: 0, env: {} },
    controlDir: controlDir(join(dir, 'state')),
    persistSec: 120,
  };
  return { host, socket, worktrees };
}

let sshStarts = 0;
const counting = (transport) => ({
  name: transport.name,
  start(command) {
    sshStarts++;
    return transport.start(command);
  },
});
const target = (h) => ({
  name: h.host.name,
  remote: true,
  run: transportRun(counting(sshTransport(h.host))),
  request: { programs: ['git', 'tmux', 'claude'], versions: false, tmuxSocket: h.socket, worktrees: h.worktrees },
});

const pass = (targets) => passWithin(TIMEOUT_MS, targets);
async function passWithin(timeoutMs, targets) {
  sshStarts = 0;
  const t0 = performance.now();
  const outcomes = await probeHosts(targets, timeoutMs);
  const ms = performance.now() - t0;
  const bad = outcomes.filter((o) => !o.ok);
  if (bad.length && !bad.every((o) => o.name === 'stalled')) throw new Error(`probe failed: ${JSON.stringify(bad)}`);
  const sessions = outcomes.reduce((n, o) => n + (o.ok ? o.probe.sessions.length : 0), 0);
  return { ms, ssh: sshStarts, sessions, outcomes };
}

async function realPass(hosts) {
  const { createFleet } = await import(new URL('index.js', dist).href);
  const real = join(dir, 'real');
  git(dir, 'init', '-q', '-b', 'main', real);
  writeFileSync(join(real, 'README.md'), '# bench\n');
  git(real, 'add', '-A');
  git(real, 'commit', '-qm', 'init');
  mkdirSync(join(real, '.flotilla'), { mode: 0o700 });
  const hostsConfig = Object.fromEntries(
    hosts.map((h) => [h.host.name, { ...h.host.config, worktreeRoot: join(dir, h.host.name, 'flot') }]),
  );
  for (const h of hosts) mkdirSync(join(dir, h.host.name, 'flot'));
  writeFileSync(
    join(real, '.flotilla', 'config.json'),
    JSON.stringify({
      worktreeRoot: join(dir, 'real-wt'),
      runtime: 'tmux',
      forge: 'local',
      gates: [],
      defaultAgent: 'idle',
      notify: { bell: false, desktop: false },
      monitor: { idleGraceSec: 3600 },
      // Each agent commits once, then stays alive and quiet.
      profiles: { idle: { command: ['sh', '-c', 'echo "$0" > work.txt && git add work.txt && git commit -qm work && exec sleep 900', '{prompt}'], hooks: 'none', env: { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' } } },
      hosts: hostsConfig,
    }),
  );
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const log = join(dir, 'ssh.log');
  const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
  writeFileSync(join(bin, 'ssh'), `#!/bin/sh\necho x >> '${log}'\nexec '${realSsh}' "$@"\n`, { mode: 0o755 });
  process.env.PATH = `${bin}:${process.env.PATH}`;
  const calls = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length;
  writeFileSync(log, '');

  const t0 = performance.now();
  const starter = await createFleet({ cwd: real });
  try {
    // As `flotilla start` of many ids does: each host's starts one after the other, the hosts at once.
    await Promise.all(
      hosts.map(async (h, k) => {
        for (let a = k; a < AGENTS; a += hosts.length) {
          const id = `t${a}`;
          await starter.dispatch({ type: 'task.add', input: { title: id, prompt: id, id } });
          await starter.dispatch({ type: 'task.start', id, host: h.host.name });
        }
      }),
    );
  } finally {
    await starter.close();
  }
  const startMs = performance.now() - t0;
  const worktrees = (await starter.registry.read()).tasks.map((t) => t.attempts[0].worktree);
  for (let k = 0; k < 600 && !worktrees.every((wt) => git(wt, 'log', '-1', '--format=%s').trim() === 'work'); k++) await new Promise((r) => setTimeout(r, 500));

  const measured = async (fleet) => {
    const before = calls();
    const p0 = performance.now();
    const result = await fleet.dispatch({ type: 'monitor.check' });
    if (result.errors.length) throw new Error(`real pass: ${result.errors.join('; ')}`);
    return { ms: performance.now() - p0, ssh: calls() - before, fetches: (result.hosts ?? []).reduce((n, h) => n + h.fetches, 0) };
  };
  // A fleet of its own for each, as each `flotilla check` is: its ssh processes counted over its
  // whole life (the hosts' channels it opens, closed with it).
  const oneShot = async () => {
    const before = calls();
    const fleet = await createFleet({ cwd: real, oneShot: true });
    let r;
    try {
      r = await measured(fleet);
    } finally {
      await fleet.close();
    }
    return { ...r, ssh: calls() - before };
  };
  // Passes in one process (`watch`, the fleet view): the hosts' channels stay open between them.
  const fleet = await createFleet({ cwd: real });
  const one = () => measured(fleet);
  try {
    const first = await one();
    const idle = [];
    for (let i = 0; i < PASSES; i++) idle.push(await one());
    const checks = [];
    for (let i = 0; i < Math.min(PASSES, 3); i++) checks.push(await oneShot());
    git(worktrees[0], 'commit', '-q', '--allow-empty', '-m', 'more');
    const moved = await one();
    return { startMs, first, idle, checks, moved };
  } finally {
    await fleet.close();
  }
}

try {
  const per = Math.ceil(AGENTS / HOSTS);
  const hosts = [];
  for (let i = 0; i < HOSTS; i++) hosts.push(await makeHost(i, per));
  const single = await makeHost(HOSTS, AGENTS);
  const targets = hosts.map(target);

  const cold = await pass(targets);
  const warm = [];
  for (let i = 0; i < PASSES; i++) warm.push(await pass(targets));
  const one = [];
  await pass([target(single)]);
  for (let i = 0; i < PASSES; i++) one.push(await pass([target(single)]));

  // Baseline: one ssh call per agent (what a monitor without the batched probe would do).
  const naive = [];
  for (let i = 0; i < Math.min(PASSES, 3); i++) {
    sshStarts = 0;
    const t0 = performance.now();
    await Promise.all(
      hosts.flatMap((h) =>
        h.worktrees.map((wt, a) =>
          runCommand({ argv: ['sh', '-c', 'tmux -S "$1" has-session -t "=$2" && git -C "$3" status --porcelain=v2 --branch', 'sh', h.socket, `flotilla-t${h.host.name.slice(1)}x${a}-a1`, wt], timeoutMs: 30000 }, counting(sshTransport(h.host))),
        ),
      ),
    );
    naive.push({ ms: performance.now() - t0, ssh: sshStarts });
  }

  // Floor: one empty command (`true`) on every host at once over the warm masters.
  const floor = [];
  for (let i = 0; i < PASSES; i++) {
    const t0 = performance.now();
    await Promise.all(hosts.map((h) => runCommand({ argv: ['true'], timeoutMs: 30000 }, sshTransport(h.host))));
    floor.push(performance.now() - t0);
  }

  // A stalled host (accepts TCP, never speaks): the others' answers inside the same pass.
  const stall = createServer(() => {});
  await new Promise((r) => stall.listen(0, '127.0.0.1', r));
  const stalledHost = { name: 'stalled', config: { ssh: 'x@127.0.0.1', port: stall.address().port, identityFile: userKey, knownHostsFile: knownHosts, maxAgents: 1, memReserveMB: 0, env: {} }, controlDir: controlDir(join(dir, 'state')) };
  const withStall = await passWithin(5000, [...targets, { name: 'stalled', remote: true, run: transportRun(counting(sshTransport(stalledHost))), request: { programs: ['git'], versions: false, worktrees: [] } }]);
  stall.close();
  const healthy = withStall.outcomes.filter((o) => o.ok).map((o) => o.ms);

  // The real monitoring pass (the engine's, as `flotilla check` runs it) over AGENTS tasks started
  // on the HOSTS hosts by flotilla itself (live agents, idle), counting every ssh process it starts
  // (its own execs and git's fetch) through a wrapper `ssh` first on PATH.
  const real = await realPass(hosts);

  const f = (ms) => `${ms.toFixed(0)} ms`;
  console.log(`${AGENTS} agents (live tmux sessions + worktrees with changes) across ${HOSTS} loopback hosts, ${PASSES} warm passes`);
  console.log(`one monitoring pass, cold (masters opened):  ${f(cold.ms)}, ${cold.ssh} ssh processes, ${cold.sessions} sessions seen`);
  console.log(`one monitoring pass, warm (median):          ${f(median(warm.map((w) => w.ms)))}, ${warm[0].ssh} ssh processes per pass (aim ≤ 1 per host, ≤ 1.5 s)`);
  console.log(`same ${AGENTS} agents on one host (median):     ${f(median(one.map((w) => w.ms)))}, ${one[0].ssh} ssh process`);
  console.log(`floor: \`true\` on every host at once (median): ${f(median(floor))}`);
  console.log(`baseline: one ssh call per agent (median):   ${f(median(naive.map((w) => w.ms)))}, ${naive[0].ssh} ssh processes`);
  console.log(`with a stalled host (timeout 5 s): pass ${f(withStall.ms)}; the ${healthy.length} healthy hosts answered in ${f(Math.max(...healthy))} at most`);
  console.log(`real pass (engine, ${AGENTS} tasks started on ${HOSTS} hosts in ${f(real.startMs)}):`);
  console.log(`  first (commits fetched back):              ${f(real.first.ms)}, ${real.first.ssh} ssh processes (${real.first.fetches} git fetch)`);
  console.log(`  nothing moved, same process (median):      ${f(median(real.idle.map((p) => p.ms)))}, ${real.idle.map((p) => p.ssh).join(', ')} ssh processes in passes 1..${real.idle.length} (aim ≤ 1 per host, ≤ 1.5 s; the channels close after 60 s unused)`);
  console.log(`  nothing moved, a process each (median):    ${f(median(real.checks.map((p) => p.ms)))}, ${real.checks.map((p) => p.ssh).join(', ')} ssh processes per process (as \`flotilla check\`: its hosts' channels)`);
  console.log(`  one branch moved on one host:              ${f(real.moved.ms)}, ${real.moved.ssh} ssh processes`);
} finally {
  for (const s of execFileSync('sh', ['-c', `ls -d ${dir}/h*/flot/.flotilla/*/tmux 2>/dev/null || true`], { encoding: 'utf8' }).split('\n').filter(Boolean)) sockets.push(s);
  for (const s of execFileSync('sh', ['-c', `ls ${dir}/real/.flotilla/ssh 2>/dev/null || true`], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    spawnSync('ssh', ['-o', `ControlPath=${join(dir, 'real', '.flotilla', 'ssh', s)}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
  }
  const state = join(dir, 'state');
  try {
    for (const s of execFileSync('ls', [state], { encoding: 'utf8' }).split('\n').filter(Boolean)) spawnSync('ssh', ['-o', `ControlPath=${join(state, s)}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
  } catch {
    // no masters
  }
  for (const s of sockets) spawnSync('tmux', ['-S', s, 'kill-server'], { stdio: 'ignore' });
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
