// Bench of the admission queue (issue 7). Run after `npm run build`: node bench/builds.mjs [builds]
// Six type-checked builds of this repository (tsc -p tsconfig.build.json into temp outDirs), first
// all started at once, then through the admission queue (limits.maxBuilds 2, staggerMs 1000):
// peak memory (sum of the RSS of every build's process tree, sampled every 100 ms) and total time.
// Then the cost of one memory probe and of one process-tree sample.
import { mkdtempSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import si from 'systeminformation';

const root = new URL('..', import.meta.url).pathname;
const { AdmissionQueue, runJob, listProcProcesses, treeRssMB } = await import(join(root, 'dist/engine/index.js'));
const { configSchema } = await import(join(root, 'dist/engine/index.js'));
const N = Number(process.argv[2] ?? 6);
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const work = mkdtempSync(join(tmpdir(), 'flotilla-bench-builds-'));

function buildArgs(i) {
  return [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(work, `out-${i}`)];
}

/** Samples the summed RSS of every process below this one (the builds) until stopped. */
function sampler() {
  let peak = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const list = await listProcProcesses();
      peak = Math.max(peak, treeRssMB(list.filter((p) => p.pid !== process.pid), list.filter((p) => p.ppid === process.pid).map((p) => p.pid)));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return async () => ((stopped = true), await loop, peak);
}

async function allAtOnce() {
  const stop = sampler();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: N }, (_, i) => runJob(undefined, { kind: 'build', key: 'b', label: `b${i}` }, process.execPath, buildArgs(i), { cwd: root })));
  const ms = performance.now() - t0;
  return { ms, peakMB: await stop() };
}

async function queued() {
  const stateDir = join(work, 'state');
  mkdirSync(stateDir, { recursive: true });
  const config = configSchema.parse({ limits: { maxBuilds: 2, staggerMs: 1000 } });
  const queue = new AdmissionQueue({ stateDir, configFile: join(stateDir, 'config.json'), config });
  const stop = sampler();
  const t0 = performance.now();
  const results = await Promise.all(Array.from({ length: N }, (_, i) => runJob(queue, { kind: 'build', key: 'bench:tsc', label: `b${i}` }, process.execPath, buildArgs(i + N), { cwd: root })));
  const ms = performance.now() - t0;
  const peakMB = await stop();
  await queue.close();
  const learned = JSON.parse(readFileSync(join(stateDir, 'resources.json'), 'utf8')).peaks['bench:tsc'];
  return { ms, peakMB, failed: results.filter((r) => r.exitCode !== 0).length, learned: Math.max(...learned.recentMB) };
}

async function perCall(label, n, fn) {
  await fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn();
  const us = ((performance.now() - t0) * 1000) / n;
  console.log(`${label.padEnd(44)} ${us.toFixed(0).padStart(8)} µs`);
  return us;
}

const mem = await si.mem();
console.log(`machine: ${(mem.total / 2 ** 30).toFixed(1)} GB total, ${(mem.available / 2 ** 30).toFixed(1)} GB available, ${(await si.cpu()).cores} cores; ${N} builds of this repo (tsc -p tsconfig.build.json)`);
const a = await allAtOnce();
console.log(`all at once:        ${(a.ms / 1000).toFixed(1)} s total, peak ${a.peakMB.toFixed(0)} MB (sum of RSS)`);
const q = await queued();
console.log(`queue (2 slots):    ${(q.ms / 1000).toFixed(1)} s total, peak ${q.peakMB.toFixed(0)} MB (sum of RSS), ${q.failed} failed, learned peak per build ${q.learned} MB`);
console.log(`ratio queue/all:    time ${(q.ms / a.ms).toFixed(2)}x, peak memory ${(q.peakMB / a.peakMB).toFixed(2)}x`);
console.log('');
await perCall('memory probe: systeminformation mem()', 200, () => si.mem());
await perCall('memory probe: read /proc/meminfo', 200, () => import('node:fs/promises').then((fs) => fs.readFile('/proc/meminfo', 'utf8')));
await perCall('swap probe: read /proc/vmstat', 200, () => import('node:fs/promises').then((fs) => fs.readFile('/proc/vmstat', 'utf8')));
const procs = (await listProcProcesses()).length;
await perCall(`process tree: /proc/*/stat scan (${procs} procs)`, 50, () => listProcProcesses());
// systeminformation answers repeated processes() calls from a cache for about a second: time
// spaced calls only.
let siTotal = 0;
for (let i = 0; i < 3; i++) {
  await new Promise((r) => setTimeout(r, 1200));
  const t0 = performance.now();
  await si.processes();
  siTotal += performance.now() - t0;
}
console.log(`${'process tree: systeminformation processes()'.padEnd(44)} ${((siTotal * 1000) / 3).toFixed(0).padStart(8)} µs`);
rmSync(work, { recursive: true, force: true });
