#!/usr/bin/env node
// Bench: where the time of a start on a remote host goes (issue 17; run after `npm run build`;
// needs sshd, tmux, git). One sshd on 127.0.0.1 as host `box`, a repository, and TASKS tasks
// started one after the other with `flotilla start ID --host box` (the real binary, each start a
// process of its own, as a user types it). Every ssh process flotilla starts goes through a wrapper
// `ssh` first on PATH that logs its start and end time and what it ran on the host, so each start's
// time is broken down into its ssh execs (with their wall time) and what happened between them.
// Then `flotilla start` of MANY more tasks (one command per host, several ids each) on HOSTS hosts.
// BENCH_BASE_BIN=<another build's bin/flotilla>: its starts are measured too, alternating with
// this build's on the same host and repository (the base first), so both see the same load.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SSHD, sshdFixture } from './lib/sshd.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'flotilla');
const TASKS = Number(process.env.TASKS ?? 4);
const MANY = Number(process.env.MANY ?? 10);
const HOSTS = Number(process.env.HOSTS ?? 2);
if (!SSHD) {
  console.log('host start bench: sshd not found (install openssh-server)');
  process.exit(0);
}
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-hs-')));
const children = [];
const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x' };
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { userKey, knownHosts, startSshd } = sshdFixture(dir, children);

async function makeHost(name) {
  const h = join(dir, name);
  mkdirSync(join(h, 'root'), { recursive: true });
  const port = await startSshd(h);
  return { name, config: { ssh: `${userInfo().username}@127.0.0.1`, port, identityFile: userKey, knownHostsFile: knownHosts, worktreeRoot: join(h, 'root'), maxAgents: 100, memReserveMB: 0 } };
}

const repo = join(dir, 'repo');
git(dir, 'init', '-q', '-b', 'main', repo);
writeFileSync(join(repo, 'README.md'), '# bench\n');
writeFileSync(join(repo, '.env'), 'A=1\n');
git(repo, 'add', 'README.md');
git(repo, 'commit', '-qm', 'init');

const bin = join(dir, 'bin');
mkdirSync(bin);
const log = join(dir, 'ssh.log');
const realSsh = execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim();
// Start and end (ns) and what ran on the host (the last argument; git's own ssh runs git-receive-pack).
writeFileSync(
  join(bin, 'ssh'),
  `#!/bin/sh\ns=$(date +%s%N)\n'${realSsh}' "$@"\nrc=$?\ne=$(date +%s%N)\nfor last; do :; done\nprintf '%s %s %s\\n' "$s" "$e" "$(printf '%s' "$last" | tr '\\n' ' ' | cut -c1-400)" >> '${log}'\nexit $rc\n`,
  { mode: 0o755 },
);
const PATH = `${bin}:${process.env.PATH}`;

const BASE_BIN = process.env.BENCH_BASE_BIN;
function flotilla(...args) {
  return flotillaOf(BIN, ...args);
}
function flotillaOf(bin, ...args) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: repo, env: { ...env, PATH }, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`flotilla ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The ssh execs logged between two times (ms since epoch), each with what it ran and its wall time. */
function execsBetween(t0, t1) {
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [s, e, ...rest] = l.split(' ');
      return { start: Number(s) / 1e6, end: Number(e) / 1e6, what: rest.join(' ') };
    })
    .filter((x) => x.start >= t0 && x.end <= t1 + 50);
}

function label(what) {
  if (what.includes('git-receive-pack')) return 'git push to the mirror';
  if (what.includes('git-upload-pack')) return 'git fetch';
  if (what.includes('flotilla-probe')) return 'placement probe';
  if (what.includes('M=$1 R=$2 W=$3')) return 'prepare: mirror check, worktree add, .env';
  if (what.includes('command -v tmux >/dev/null 2>&1 || exit 127')) return 'spawn: tmux.conf, hook file, tmux session';
  if (what.includes('while [ $# -ge 2 ]; do f=$1')) return 'log copy (at close)';
  if (what.includes("'list-panes'")) return 'tmux list-panes';
  if (what.includes('S=$1 F=$2')) return 'log copy + pane list';
  if (what.includes("'tmux'")) return `tmux ${/'-f' '[^']*' '([a-z][a-z-]*)'|'-S' '[^']*' '([a-z][a-z-]*)'/.exec(what)?.slice(1).find(Boolean) ?? what.slice(-60)}`;
  if (what.includes('new-session')) return 'spawn (tmux session, hook file)';
  if (what.includes('worktree')) return 'git worktree add';
  if (what.includes('init -q --bare')) return 'mirror init check';
  if (what.includes('test') && what.includes("'-e'")) return 'test -e (worktree exists?)';
  if (what.includes("'mkdir'")) return 'mkdir root';
  if (what.includes('umask 077; cat >')) return 'file copy (.env / tmux.conf)';
  if (what.includes('mkdir -p "$s/logs"')) return 'layout';
  if (what.includes('rev-parse')) return 'git rev-parse';
  return what.slice(0, 60);
}

const f = (ms) => `${ms.toFixed(0)} ms`;
try {
  const hosts = [];
  for (let i = 0; i < HOSTS; i++) hosts.push(await makeHost(i === 0 ? 'box' : `box${i}`));
  mkdirSync(join(repo, '.flotilla'), { mode: 0o700 });
  writeFileSync(
    join(repo, '.flotilla', 'config.json'),
    JSON.stringify({
      worktreeRoot: join(dir, 'wt'),
      runtime: 'tmux',
      forge: 'local',
      gates: [],
      defaultAgent: 'idle',
      notify: { bell: false, desktop: false },
      bootstrap: { copy: ['.env'] },
      profiles: { idle: { command: ['sh', '-c', 'exec sleep 900', '{prompt}'], hooks: 'none' } },
      hosts: Object.fromEntries(hosts.map((h) => [h.name, h.config])),
    }),
  );
  flotilla('status');
  const rows = [];
  const baseRows = [];
  console.log(`load average before: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  for (let i = 0; i < TASKS; i++) {
    for (const [bin, out, prefix] of [...(BASE_BIN ? [[BASE_BIN, baseRows, 'b']] : []), [BIN, rows, 's']]) {
      const id = `${prefix}${i}`;
      flotilla('add', id, '--id', id, '--prompt', id);
      writeFileSync(log, '');
      const t0 = Date.now();
      flotillaOf(bin, 'start', id, '--host', 'box');
      const t1 = Date.now();
      out.push({ id, ms: t1 - t0, execs: execsBetween(t0, t1), t0 });
    }
  }
  if (BASE_BIN) {
    console.log(`base build (${BASE_BIN}): ${TASKS} starts, one after the other:`);
    for (const r of baseRows) {
      const sshMs = r.execs.reduce((n, x) => n + x.end - x.start, 0);
      console.log(`  ${r.id}: ${f(r.ms)}, ${r.execs.length} ssh execs taking ${f(sshMs)} together`);
      if (r === baseRows[1] || baseRows.length === 1) for (const x of r.execs) console.log(`    +${String(Math.round(x.start - r.t0)).padStart(5)} ms  ${f(x.end - x.start).padStart(7)}  ${label(x.what)}`);
    }
    console.log(`base median start: ${f(median(baseRows.map((r) => r.ms)))}, ${median(baseRows.map((r) => r.execs.length))} ssh execs`);
  }
  console.log(`this build: ${TASKS} starts one after the other on one loopback host (\`flotilla start ID --host box\`, each its own process):`);
  for (const r of rows) {
    const sshMs = r.execs.reduce((n, x) => n + x.end - x.start, 0);
    console.log(`  ${r.id}: ${f(r.ms)}, ${r.execs.length} ssh execs taking ${f(sshMs)} together`);
    for (const x of r.execs) console.log(`    +${String(Math.round(x.start - r.t0)).padStart(5)} ms  ${f(x.end - x.start).padStart(7)}  ${label(x.what)}`);
  }
  console.log(`median start: ${f(median(rows.map((r) => r.ms)))}, ${median(rows.map((r) => r.execs.length))} ssh execs`);
  console.log(`load average after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);

  if (MANY > 0) {
    const ids = [];
    for (let i = 0; i < MANY; i++) {
      const id = `m${i}`;
      ids.push(id);
      flotilla('add', id, '--id', id, '--prompt', id);
    }
    writeFileSync(log, '');
    const t0 = Date.now();
    // Round robin over the hosts: one start command per host, all at once, each with its ids.
    const byHost = hosts.map((h, k) => ({ h, ids: ids.filter((_, i) => i % hosts.length === k) }));
    await Promise.all(
      byHost.map(
        ({ h, ids: mine }) =>
          new Promise((resolve, reject) => {
            const c = spawn(process.execPath, [BIN, 'start', ...mine, '--host', h.name], { cwd: repo, env: { ...env, PATH }, stdio: ['ignore', 'ignore', 'pipe'] });
            let err = '';
            c.stderr.on('data', (d) => (err += d));
            c.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`start on ${h.name}: exit ${code}: ${err}`))));
          }),
      ),
    );
    const ms = Date.now() - t0;
    const kinds = new Map();
    for (const x of execsBetween(t0, Date.now())) {
      const k = kinds.get(label(x.what)) ?? { n: 0, ms: 0 };
      kinds.set(label(x.what), { n: k.n + 1, ms: k.ms + x.end - x.start });
    }
    for (const [k, v] of [...kinds].sort((a, b) => b[1].n - a[1].n)) console.log(`    ${String(v.n).padStart(4)} x ${k} (${f(v.ms / v.n)} each)`);
    console.log(`${MANY} tasks started with one \`flotilla start\` of several ids per host, ${HOSTS} hosts at once: ${f(ms)} (${f(ms / MANY)} a task), ${execsBetween(t0, Date.now()).length} ssh execs`);
  }
} finally {
  for (const s of execFileSync('sh', ['-c', `ls -d ${dir}/*/root/.flotilla/*/tmux 2>/dev/null || true`], { encoding: 'utf8' }).split('\n').filter(Boolean)) spawnSync('tmux', ['-S', s, 'kill-server'], { stdio: 'ignore' });
  for (const s of execFileSync('sh', ['-c', `ls ${repo}/.flotilla/ssh 2>/dev/null || true`], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    spawnSync('ssh', ['-o', `ControlPath=${join(repo, '.flotilla', 'ssh', s)}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
  }
  spawnSync('tmux', ['-L', 'x', 'kill-server'], { stdio: 'ignore' });
  for (const c of children) c.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
