// Bench of the fleet view: time to first frame and idle cost, against baselines measured in the
// same run. Run after a build: `node bench/tui.mjs`. Figures go to bench/tui.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const BIN = process.env.BENCH_BIN ?? join(ROOT, 'bin', 'flotilla');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function makeRepo(tasks, config = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-tui-'));
  const root = join(dir, 'repo');
  mkdirSync(root);
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b.invalid' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root, env });
  writeFileSync(join(root, 'README.md'), '# bench\n');
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['commit', '-q', '-m', 'init'], { cwd: root, env });
  mkdirSync(join(root, '.flotilla'), { mode: 0o700 });
  writeFileSync(join(root, '.flotilla', 'config.json'), JSON.stringify({ worktreeRoot: join(dir, 'worktrees'), ...config }));
  const list = typeof tasks === 'number' ? Array.from({ length: tasks }, (_, i) => ({ id: `bench-${i}` })) : tasks;
  for (const t of list) {
    execFileSync(process.execPath, [BIN, 'add', `Bench ${t.id}`, '--id', t.id, '--prompt', `task ${t.id}`, ...(t.agent ? ['--agent', t.agent] : [])], { cwd: root, env });
  }
  // A fleet that sits idle has been in its states for a while: the list shows minutes, not
  // seconds that tick (which would re-render every 5 s, as it does in the first minute of a state).
  const registry = join(root, '.flotilla', 'tasks.json');
  const data = JSON.parse(readFileSync(registry, 'utf8'));
  const hourAgo = new Date(Date.now() - 3600_000).toISOString();
  for (const t of data.tasks) t.stateSince = t.createdAt = hourAgo;
  writeFileSync(registry, JSON.stringify(data, null, 2), { mode: 0o600 });
  return { dir, root, env };
}

/** Spawns argv in a 120x40 pty; resolves when `done(output)` holds, with the elapsed ms. */
function timeUntil(argv, cwd, done, { keep = false } = {}) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const p = pty.spawn(argv[0], argv.slice(1), { cols: 120, rows: 40, cwd, env: { ...process.env, TERM: 'xterm-256color' } });
    let out = '';
    let finished = false;
    const finish = () => {
      if (finished) return;
      finished = true;
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      resolve({ ms, p });
      if (!keep) p.kill();
    };
    p.onData((d) => {
      out += d;
      if (done(out)) finish();
    });
    p.onExit(() => (done === null ? finish() : finished || reject(new Error(`exited before the frame; output: ${out.slice(-500)}`))));
    if (done === null) return;
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function rssMB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

async function idleCost(argv, cwd, ready) {
  const { p } = await timeUntil(argv, cwd, ready, { keep: true });
  await sleep(2000);
  const t0 = cpuTicks(p.pid);
  const w0 = Date.now();
  await sleep(IDLE_SECONDS * 1000);
  const cpu = ((cpuTicks(p.pid) - t0) / TICKS) / ((Date.now() - w0) / 1000) * 100;
  const rss = rssMB(p.pid);
  p.kill();
  return { cpu, rss };
}

const repo = makeRepo(10);
let agentFigures = null;
try {
  const frame = (out) => out.includes('Tasks 10');
  // The full view (Ink, the engine running): its status bar lists the keys.
  const full = (out) => out.includes('quit') && out.includes('Tasks 10');
  const baseline = [];
  const first = [];
  const whole = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push((await timeUntil([process.execPath, '-e', ''], repo.root, null)).ms);
    first.push((await timeUntil([process.execPath, BIN], repo.root, frame)).ms);
    whole.push((await timeUntil([process.execPath, BIN], repo.root, full)).ms);
  }
  const b = median(baseline);
  const f = median(first);
  const w = median(whole);
  console.log(`time to first frame (10 tasks, median of ${RUNS}): ${f.toFixed(0)} ms; baseline node -e '': ${b.toFixed(0)} ms; ratio ${(f / b).toFixed(2)}x; flotilla's own share ${(f - b).toFixed(0)} ms`);
  console.log(`time to the full view (keys in the status bar, median of ${RUNS}): ${w.toFixed(0)} ms; ratio ${(w / b).toFixed(2)}x`);

  const idleBase = await idleCost([process.execPath, '-e', "setInterval(() => {}, 1000); process.stdout.write('up\\n')"], repo.root, (o) => o.includes('up'));
  const idle = await idleCost([process.execPath, BIN], repo.root, full);
  console.log(`idle over ${IDLE_SECONDS}s with 10 tasks: CPU ${idle.cpu.toFixed(2)}% RSS ${idle.rss.toFixed(0)} MB; baseline idle node: CPU ${idleBase.cpu.toFixed(2)}% RSS ${idleBase.rss.toFixed(0)} MB; RSS ratio ${(idle.rss / idleBase.rss).toFixed(2)}x`);
} finally {
  rmSync(repo.dir, { recursive: true, force: true });
}


// ---- Live agents (needs the session runtime in the build) ----------------------------------------

async function buildHasSessions(root) {
  const { createFleet } = await import(join(ROOT, 'dist', 'engine', 'index.js'));
  const fleet = await createFleet({ cwd: root });
  const has = Boolean(fleet.sessions);
  await fleet.close();
  return has;
}

const AGENTS = {
  // Echoes every byte typed, raw.
  'echo.mjs': `process.stdin.setRawMode?.(true); process.stdout.write('echo ready\\r\\n'); process.stdin.on('data', (d) => process.stdout.write(d));`,
  // Prints forever, as fast as the terminal takes it.
  'flood.mjs': `const line = 'flood '.repeat(15) + '\\n'; const chunk = line.repeat(200); const go = () => { while (process.stdout.write(chunk)); process.stdout.once('drain', go); }; go();`,
  // On Enter prints MB megabytes of text, then a marker.
  'print.mjs': `process.stdin.setRawMode?.(true); process.stdout.write('print ready\\r\\n'); const mb = Number(process.env.BENCH_MB || 200); const line = 'x'.repeat(99) + '\\n'; const chunk = line.repeat(10486); let left = mb; process.stdin.once('data', () => { const go = () => { while (left > 0) { left--; if (!process.stdout.write(chunk)) return process.stdout.once('drain', go); } process.stdout.write('\\r\\nDONE' + '-MARK\\r\\n'); }; go(); });`,
};

function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

/** A terminal (pty) running argv; waitFor resolves when the output (since `from`) matches. */
function terminal(argv, cwd, env = {}) {
  const p = pty.spawn(argv[0], argv.slice(1), { cols: 120, rows: 40, cwd, env: { ...process.env, TERM: 'xterm-256color', ...env } });
  let out = '';
  let total = 0;
  let waiter = null;
  p.onData((d) => {
    total += d.length;
    out = (out + d).slice(-4096);
    if (waiter && waiter.test(out)) {
      const w = waiter;
      waiter = null;
      w.resolve();
    }
  });
  return {
    p,
    get total() { return total; },
    clear() { out = ''; },
    waitFor(test, timeoutMs = 60_000, what = 'output') {
      return new Promise((resolve, reject) => {
        if (test(out)) return resolve();
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; tail: ${JSON.stringify(out.slice(-300))}`)), timeoutMs);
        waiter = { test, resolve: () => { clearTimeout(timer); resolve(); } };
      });
    },
  };
}

async function echoLatency(term, samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const ch = String.fromCharCode(97 + (i % 26));
    term.clear();
    const t0 = process.hrtime.bigint();
    term.p.write(ch);
    await term.waitFor((o) => o.includes(ch), 10_000, `echo of ${ch}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await sleep(20);
  }
  return times;
}

async function agentBench() {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-agents-'));
  for (const [name, code] of Object.entries(AGENTS)) writeFileSync(join(dir, name), code);
  const profile = (file) => ({ command: [process.execPath, join(dir, file), '{prompt}'], hooks: 'none', quietMs: 60000 });
  const repo = makeRepo([{ id: 'flood', agent: 'flood' }, { id: 'echo', agent: 'echo' }, { id: 'print', agent: 'print' }], {
    runtime: 'tmux',
    profiles: { echo: profile('echo.mjs'), flood: profile('flood.mjs'), print: profile('print.mjs') },
  });
  const socket = `flotilla-bench-${process.pid}`;
  try {
    if (!(await buildHasSessions(repo.root))) return null;
    const samples = Number(process.env.BENCH_SAMPLES ?? 40);
    const mb = Number(process.env.BENCH_MB ?? 200);
    const ui = terminal([process.execPath, BIN], repo.root, { BENCH_MB: String(mb) });
    await ui.waitFor((o) => o.includes('Tasks 3'), 20_000, 'the first frame');
    for (const key of ['s', 'j', 's', 'j', 's', 'k']) {
      ui.p.write(key);
      await sleep(400);
    }
    await ui.waitFor((o) => o.includes('echo ready'), 30_000, 'the echo agent in the pane');
    ui.clear();
    ui.p.write('\r');
    await ui.waitFor((o) => o.includes('echo ready'), 20_000, 'the attached echo agent');
    await sleep(500);
    const viaFlotilla = await echoLatency(ui, samples);
    ui.p.write('\x1d'); // C-] detaches
    await ui.waitFor((o) => o.includes('detached from echo'), 20_000, 'the fleet view');

    // 200 MB printed by an attached agent.
    ui.p.write('j');
    await sleep(400);
    ui.clear();
    ui.p.write('\r');
    await ui.waitFor((o) => o.includes('print ready'), 20_000, 'the attached print agent');
    await sleep(300);
    ui.clear();
    let t0 = process.hrtime.bigint();
    ui.p.write('\r');
    await ui.waitFor((o) => o.includes('DONE-MARK'), 600_000, 'the end of the print');
    const printFlotilla = Number(process.hrtime.bigint() - t0) / 1e6;
    ui.p.write('\x1d');
    await ui.waitFor((o) => o.includes('detached from print'), 20_000, 'the fleet view');
    ui.p.write('q');
    await sleep(1000);
    ui.p.kill();

    // Baselines: the same agents in plain tmux, attached from a plain terminal.
    const tmux = (...args) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    tmux('new-session', '-d', '-s', 'flood', '-x', '120', '-y', '40', process.execPath, join(dir, 'flood.mjs'));
    tmux('new-session', '-d', '-s', 'echo', '-x', '120', '-y', '40', process.execPath, join(dir, 'echo.mjs'));
    tmux('new-session', '-d', '-s', 'print', '-x', '120', '-y', '40', '-e', `BENCH_MB=${mb}`, process.execPath, join(dir, 'print.mjs'));
    const echoTerm = terminal(['tmux', '-L', socket, 'attach-session', '-t', '=echo'], repo.root);
    await echoTerm.waitFor((o) => o.includes('echo ready'), 20_000, 'plain tmux echo');
    await sleep(500);
    const viaTmux = await echoLatency(echoTerm, samples);
    echoTerm.p.kill();
    const printTerm = terminal(['tmux', '-L', socket, 'attach-session', '-t', '=print'], repo.root);
    await printTerm.waitFor((o) => o.includes('print ready'), 20_000, 'plain tmux print');
    await sleep(300);
    printTerm.clear();
    t0 = process.hrtime.bigint();
    printTerm.p.write('\r');
    await printTerm.waitFor((o) => o.includes('DONE-MARK'), 600_000, 'plain tmux print end');
    const printTmux = Number(process.hrtime.bigint() - t0) / 1e6;
    printTerm.p.kill();

    const f = (xs) => `p50 ${percentile(xs, 50).toFixed(1)} ms, p95 ${percentile(xs, 95).toFixed(1)} ms`;
    console.log(`key-to-echo in an attached agent while another floods (${samples} keys): flotilla ${f(viaFlotilla)}; plain tmux ${f(viaTmux)}; p95 ratio ${(percentile(viaFlotilla, 95) / percentile(viaTmux, 95)).toFixed(2)}x`);
    console.log(`${mb} MB printed in an attached agent: flotilla ${(printFlotilla / 1000).toFixed(2)} s; plain tmux ${(printTmux / 1000).toFixed(2)} s; ratio ${(printFlotilla / printTmux).toFixed(2)}x`);
    return { viaFlotilla, viaTmux, printFlotilla, printTmux };
  } finally {
    try { execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' }); } catch {}
    for (const id of ['flood', 'echo', 'print']) {
      try { execFileSync(process.execPath, [BIN, 'stop', id], { cwd: repo.root, stdio: 'ignore', env: repo.env }); } catch {}
    }
    try {
      const { tmuxSocketName } = await import(join(ROOT, 'dist', 'engine', 'index.js'));
      execFileSync('tmux', ['-L', tmuxSocketName(repo.root), 'kill-server'], { stdio: 'ignore' });
    } catch {}
    rmSync(repo.dir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

// BENCH_ONLY=frame: the first frame and idle figures only (the live-agent part takes minutes).
if (process.env.BENCH_ONLY === 'frame') process.exit(0);
agentFigures = await agentBench();
if (!agentFigures) console.log('live-agent figures skipped: this build has no session runtime (fleet.sessions is undefined)');
