#!/usr/bin/env node
// Bench: the conflict radar over 20 live attempts with 5 changed files each (run after `npm run build`).
// Every attempt changes 3 files of its own and 2 of a shared pool of 10, so some pairs overlap and
// some of those conflict (same lines changed differently). Prints, for one monitoring pass of the
// loop (agents working, so the monitor itself asks little): wall time and git processes with the
// radar off (the baseline, same run), and with it on: cold (nothing known), warm (nothing moved,
// what every later pass costs), and after one attempt committed again.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/engine/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);
const { createFleet } = await load('fleet/create-fleet.js');
const { runMonitorPass } = await load('monitor/pass.js');
const { createRunner } = await load('exec/runner.js');
const { createAttemptWorktree } = await load('workspace/worktrees.js');

const N = Number(process.env.TASKS ?? 20);
const RUNS = Number(process.env.RUNS ?? 5);
const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-radar-')));
const root = join(dir, 'repo');
mkdirSync(join(root, '.flotilla'), { recursive: true });
mkdirSync(join(root, 'shared'), { recursive: true });
git(dir, 'init', '-q', '-b', 'main', root);
const lines = Array.from({ length: 40 }, (_, i) => `line ${i}`);
for (let s = 0; s < 10; s++) writeFileSync(join(root, 'shared', `s${s}.txt`), `${lines.join('\n')}\n`);
git(root, 'add', '-A');
git(root, 'commit', '-qm', 'init');
writeFileSync(join(root, '.git/info/exclude'), '.flotilla/\n');
writeFileSync(join(root, '.flotilla/config.json'), JSON.stringify({ worktreeRoot: join(dir, 'wt'), forge: 'local', defaultAgent: 'bench', profiles: { bench: { command: ['true'] } }, notify: { desktop: false, bell: false } }));

let gitProcesses = 0;
const base = createRunner();
const runner = { run: (file, args, o) => ((gitProcesses += file === 'git' ? 1 : 0), base.run(file, args, o)) };
const fleet = await createFleet({ cwd: root, runner });

const now = new Date().toISOString();
const worktrees = [];
for (let i = 0; i < N; i++) {
  const id = `task-${i}`;
  await fleet.dispatch({ type: 'task.add', input: { title: `Task ${i}`, prompt: 'bench', id } });
  const wt = await createAttemptWorktree(fleet.git, { repoRoot: root, worktreeRoot: fleet.worktreeRoot, taskId: id, n: 1, startPoint: 'main' });
  worktrees.push(wt.worktree);
  for (let f = 0; f < 3; f++) writeFileSync(join(wt.worktree, `own-${i}-${f}.txt`), `${i}\n`);
  for (const s of [i % 10, (i * 3 + 1) % 10]) {
    // Even tasks edit the top of a shared file, odd ones the bottom: some pairs conflict, some merge.
    const at = i % 2 === 0 ? 0 : 39;
    writeFileSync(join(wt.worktree, 'shared', `s${s}.txt`), `${lines.map((l, k) => (k === at ? `task ${i} was here` : l)).join('\n')}\n`);
  }
  git(wt.worktree, 'add', '-A');
  git(wt.worktree, 'commit', '-qm', `work ${i}`);
  await fleet.registry.updateTask(id, (t) => {
    t.attempts.push({ n: 1, branch: wt.branch, worktree: wt.worktree, startPoint: 'main', state: 'running', createdAt: now, startedAt: now, endedAt: null, session: { state: 'working', pid: process.pid, since: now }, failure: null, enrichment: null, ciRounds: 0 });
    t.state = 'running';
  });
}

async function forget() {
  await fleet.registry.update((d) => {
    for (const t of d.tasks) {
      delete t.overlaps;
      delete t.attempts[0].changed;
    }
  });
}

async function measure(fn) {
  gitProcesses = 0;
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, git: gitProcesses, radar: result.radar };
}

const rows = { coldOff: [], cold: [], warmOff: [], warm: [], movedOff: [], moved: [] };
for (let r = 0; r < RUNS; r++) {
  await forget();
  const conflictCache = new Map();
  const cache = new Map();
  // Same state, radar off then on: the monitor's own cache is as warm for both of each pair.
  rows.coldOff.push(await measure(() => runMonitorPass(fleet, { radar: false, conflictCache: new Map() })));
  rows.cold.push(await measure(() => runMonitorPass(fleet, { radarCache: cache, conflictCache })));
  rows.warmOff.push(await measure(() => runMonitorPass(fleet, { radar: false, conflictCache })));
  rows.warm.push(await measure(() => runMonitorPass(fleet, { radarCache: cache, conflictCache })));
  writeFileSync(join(worktrees[r % N], `more-${r}.txt`), 'x\n');
  git(worktrees[r % N], 'add', '-A');
  git(worktrees[r % N], 'commit', '-qm', 'more');
  rows.movedOff.push(await measure(() => runMonitorPass(fleet, { radar: false, conflictCache })));
  rows.moved.push(await measure(() => runMonitorPass(fleet, { radarCache: cache, conflictCache })));
}

const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const range = (xs) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
console.log(`conflict radar: ${N} live attempts x 5 changed files, ${RUNS} runs; cold radar found ${rows.cold[0].radar.overlapping} overlapping pairs, ${rows.cold[0].radar.conflicting} conflicting`);
console.log('| pass | radar off: ms (median), git | radar on: ms (median), git | radar itself: ms (range), git processes |');
console.log('|---|---:|---:|---:|');
for (const [label, key] of [['cold: nothing known (first pass, `flotilla check` after a restart)', 'cold'], ['warm: nothing moved (every later pass of the loop)', 'warm'], ['one attempt committed since the last pass', 'moved']]) {
  const off = rows[`${key}Off`];
  const on = rows[key];
  const radarMs = on.map((x) => x.radar?.durationMs ?? 0);
  console.log(`| ${label} | ${range(off.map((x) => x.ms))} (${med(off.map((x) => x.ms)).toFixed(0)}), ${off[0].git} | ${range(on.map((x) => x.ms))} (${med(on.map((x) => x.ms)).toFixed(0)}), ${on[0].git} | ${range(radarMs)} (median ${med(radarMs).toFixed(0)}), ${on[0].radar?.gitProcesses ?? 0} |`);
}
await fleet.close();
rmSync(dir, { recursive: true, force: true });
