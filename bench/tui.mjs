// Bench of the fleet view: time to first frame and idle cost, against baselines measured in the
// same run. Run after a build: `node bench/tui.mjs`. Figures go to bench/tui.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const BIN = join(ROOT, 'bin', 'flotilla');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 10);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function makeRepo(tasks) {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-bench-tui-'));
  const root = join(dir, 'repo');
  mkdirSync(root);
  const env = { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@b.invalid', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b.invalid' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root, env });
  writeFileSync(join(root, 'README.md'), '# bench\n');
  execFileSync('git', ['add', '-A'], { cwd: root, env });
  execFileSync('git', ['commit', '-q', '-m', 'init'], { cwd: root, env });
  mkdirSync(join(root, '.flotilla'), { mode: 0o700 });
  writeFileSync(join(root, '.flotilla', 'config.json'), JSON.stringify({ worktreeRoot: join(dir, 'worktrees') }));
  for (let i = 0; i < tasks; i++) {
    execFileSync(process.execPath, [BIN, 'add', `Bench task ${i}`, '--prompt', `task ${i}`], { cwd: root, env });
  }
  return { dir, root };
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
try {
  const frame = (out) => out.includes('Tasks 10');
  const baseline = [];
  const first = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push((await timeUntil([process.execPath, '-e', ''], repo.root, null)).ms);
    first.push((await timeUntil([process.execPath, BIN], repo.root, frame)).ms);
  }
  const b = median(baseline);
  const f = median(first);
  console.log(`time to first frame (10 tasks, median of ${RUNS}): ${f.toFixed(0)} ms; baseline node -e '': ${b.toFixed(0)} ms; ratio ${(f / b).toFixed(2)}x; flotilla's own share ${(f - b).toFixed(0)} ms`);

  const idleBase = await idleCost([process.execPath, '-e', "setInterval(() => {}, 1000); process.stdout.write('up\\n')"], repo.root, (o) => o.includes('up'));
  const idle = await idleCost([process.execPath, BIN], repo.root, frame);
  console.log(`idle over ${IDLE_SECONDS}s with 10 tasks: CPU ${idle.cpu.toFixed(2)}% RSS ${idle.rss.toFixed(0)} MB; baseline idle node: CPU ${idleBase.cpu.toFixed(2)}% RSS ${idleBase.rss.toFixed(0)} MB; RSS ratio ${(idle.rss / idleBase.rss).toFixed(2)}x`);
  console.log('agents: the 10 tasks have no live sessions in this measurement unless the session runtime is in the build (sessions not started by this bench).');
} finally {
  rmSync(repo.dir, { recursive: true, force: true });
}
