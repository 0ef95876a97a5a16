#!/usr/bin/env node
// Bench: one monitoring pass over 50 tasks on the local forge (run after `npm run build`).
// Prints wall time and child processes spawned per task for:
//   first pass   agents just finished: 50 PRs opened, one check each, gates, ready, notifications
//   idle pass    nothing changed since (the pass the loop repeats every intervalSec)
//   moved pass   base moved: every task is behind; merge-tree, a clean rebase and the checks again
// and, as the baseline measured in the same run, a naive probe that asks git one question per call
// (rev-parse, status, rev-list --count, merge-base --is-ancestor, merge-tree) for every task.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = new URL('../dist/engine/', import.meta.url);
const load = (p) => import(new URL(p, dist).href);
const { createFleet } = await load('index.js');
const { runMonitorPass } = await load('index.js');
const { createRunner } = await load('index.js');
const { spawnCheck } = await load('index.js');
const { createAttemptWorktree } = await load('index.js');

const N = Number(process.env.TASKS ?? 50);
const env = { ...process.env, GIT_AUTHOR_NAME: 'bench', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'bench', GIT_COMMITTER_EMAIL: 'b@x' };
const git = (cwd, ...args) => execFileSync('git', args, { cwd, env, encoding: 'utf8' });

const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-')));
const root = join(dir, 'repo');
mkdirSync(join(root, '.flotilla'), { recursive: true });
git(dir, 'init', '-q', '-b', 'main', root);
writeFileSync(join(root, 'README.md'), '# bench\n');
git(root, 'add', '-A');
git(root, 'commit', '-qm', 'init');
writeFileSync(join(root, '.git/info/exclude'), '.flotilla/\n');
writeFileSync(
  join(root, '.flotilla/config.json'),
  JSON.stringify({
    worktreeRoot: join(dir, 'wt'),
    forge: 'local',
    defaultAgent: 'bench',
    profiles: { bench: { command: ['true'] } },
    checks: [{ name: 'test', command: ['true'] }],
    notify: { desktop: false },
    // Measure the monitor, not the queue's pacing: by default checks start at most one a second
    // (limits.staggerMs), which alone makes 50 first checks take 50 s.
    limits: { staggerMs: 0, maxBuilds: 4 },
  }),
);

let spawns = 0;
const base = createRunner();
const runner = { run: (file, args, o) => ((spawns += 1), process.env.BENCH_TRACE && console.error(file, args.join(" ")), base.run(file, args, o)) };
const spawn = (spec, o) => ((spawns += 1), spawnCheck(spec, o));
const fleet = await createFleet({ cwd: root, runner });

const now = new Date().toISOString();
for (let i = 0; i < N; i++) {
  const id = `task-${i}`;
  await fleet.dispatch({ type: 'task.add', input: { title: `Task ${i}`, prompt: 'bench', id } });
  const wt = await createAttemptWorktree(fleet.git, { repoRoot: root, worktreeRoot: fleet.worktreeRoot, taskId: id, n: 1, startPoint: 'main' });
  writeFileSync(join(wt.worktree, `f${i}.txt`), `${i}\n`);
  git(wt.worktree, 'add', '-A');
  git(wt.worktree, 'commit', '-qm', `work ${i}`);
  await fleet.registry.updateTask(id, (t) => {
    t.attempts.push({ n: 1, branch: wt.branch, worktree: wt.worktree, startPoint: 'main', state: 'running', createdAt: now, startedAt: now, endedAt: null, session: { state: 'idle', pid: process.pid, since: now }, failure: null, enrichment: null, ciRounds: 0 });
    t.state = 'running';
  });
}

async function measure(label, fn) {
  spawns = 0;
  const t0 = performance.now();
  const out = await fn();
  const ms = performance.now() - t0;
  return { label, ms, spawns, perTask: spawns / N, out };
}

const cache = new Map(); // what the monitor loop keeps between passes
const loop = () => runMonitorPass(fleet, { spawn, conflictCache: cache });
const first = await measure('first pass (50 finish)', loop);
const readyAfterFirst = (await fleet.registry.read()).tasks.filter((t) => t.state === 'ready').length;
const idleCli = await measure('idle pass, no cache (check)', () => runMonitorPass(fleet, { spawn }));
const idle = await measure('idle pass (watch loop)', loop);
const idle2 = await measure('idle pass (again)', loop);
writeFileSync(join(root, 'main.txt'), 'moved\n');
git(root, 'add', '-A');
git(root, 'commit', '-qm', 'base moves');
const moved = await measure('moved pass (base moved)', loop);

// Baseline: the same facts asked one git call at a time.
const data = await fleet.registry.read();
const naive = await measure('naive probe (baseline)', async () => {
  for (const t of data.tasks) {
    const a = t.attempts[0];
    await fleet.git.raw(root, ['rev-parse', '--verify', a.branch]);
    await fleet.git.raw(a.worktree, ['status', '--porcelain=v2']);
    await fleet.git.raw(root, ['rev-list', '--count', `main..${a.branch}`]);
    await fleet.git.raw(root, ['merge-base', '--is-ancestor', 'main', a.branch]);
    await fleet.git.raw(root, ['merge-tree', '--write-tree', '--name-only', 'main', a.branch]);
  }
});

console.log(`monitor bench: ${N} tasks, local forge, node ${process.version}, ${(await import('node:os')).cpus().length} cpus`);
console.log('pass                            time ms   spawns  per task   vs baseline');
for (const r of [first, idleCli, idle, idle2, moved, naive]) {
  console.log(`${r.label.padEnd(31)} ${r.ms.toFixed(0).padStart(7)}   ${String(r.spawns).padStart(6)}  ${r.perTask.toFixed(2).padStart(8)}   ${(r.ms / naive.ms).toFixed(2)}x time`);
}
console.log(`after the first pass: ${readyAfterFirst}/${N} ready (${first.out.changes.length} changes); after the moved pass (branches rebased, checks re-run): ${(await fleet.registry.read()).tasks.filter((t) => t.state === 'ready').length}/${N} ready`);
await fleet.close();
rmSync(dir, { recursive: true, force: true });
