#!/usr/bin/env node
// Bench: the cost ledger reading 100 MB of generated agent session logs (Claude Code project JSONL
// and Codex rollouts) from scratch, then an incremental update after appending to one log, then a
// refresh with nothing new. Baseline, measured in the same run: reading the same bytes with
// fs.readFile and splitting them into lines (no JSON, no ledger).
// Run after a build: node bench/cost.mjs [MB]
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { claudeProjectDirName, createFleet, listJsonl, refreshCost, taskSchema } from '../dist/engine/index.js';

// Line builders in the agents' formats (the tests have typed twins in src/test-support/usage-fixtures.ts).
let seq = 0;
function claudeAssistantLine(o) {
  seq++;
  const usage = { input_tokens: o.input, cache_creation_input_tokens: o.cacheWrite ?? 0, cache_read_input_tokens: o.cacheRead ?? 0, output_tokens: o.output };
  return JSON.stringify({ parentUuid: null, isSidechain: false, cwd: o.cwd, sessionId: o.sessionId, version: '2.0.0', type: 'assistant', requestId: `req_${seq}`, uuid: `u${seq}`, timestamp: '2026-11-01T10:00:00.000Z', message: { id: `msg_${seq}`, type: 'message', role: 'assistant', model: o.model, content: [{ type: 'text', text: 'x'.repeat(o.pad ?? 10) }], usage } });
}
const claudeUserLine = (cwd, sessionId, text) => JSON.stringify({ type: 'user', cwd, sessionId, message: { role: 'user', content: text } });
function codexLines(o) {
  const lines = [
    JSON.stringify({ timestamp: '2026-11-01T10:00:00Z', type: 'session_meta', payload: { id: o.sessionId, cwd: o.cwd } }),
    JSON.stringify({ timestamp: '2026-11-01T10:00:01Z', type: 'turn_context', payload: { cwd: o.cwd, model: o.model } }),
  ];
  for (const t of o.totals) {
    lines.push(JSON.stringify({ timestamp: '2026-11-01T10:00:03Z', type: 'event_msg', payload: { type: 'token_count', info: { total_token_usage: { input_tokens: t.input, cached_input_tokens: t.cached, output_tokens: t.output, reasoning_output_tokens: 0, total_tokens: t.input + t.output } } } }));
  }
  return lines;
}

const targetMB = Number(process.argv[2] ?? 100);
const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flotilla-bench-cost-')));
const root = join(dir, 'repo');
mkdirSync(root);
execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: root });
execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@x.invalid', 'commit', '-q', '--allow-empty', '-m', 'init'], { cwd: root });
mkdirSync(join(root, '.flotilla'), { mode: 0o700 });
writeFileSync(join(root, '.flotilla', 'config.json'), JSON.stringify({ worktreeRoot: join(dir, 'wt') }));
const sources = { claudeDirs: [join(dir, 'claude')], codexSessionsDirs: [join(dir, 'codex', 'sessions')] };

// 20 tasks x 2 attempts; 90% of the bytes Claude logs, 10% Codex rollouts.
const at = new Date().toISOString();
const tasks = [];
const worktrees = [];
for (let t = 0; t < 20; t++) {
  const attempts = [];
  for (let n = 1; n <= 2; n++) {
    const worktree = join(dir, 'wt', `task-${t}-a${n}`);
    mkdirSync(worktree, { recursive: true });
    worktrees.push(worktree);
    attempts.push({ n, branch: `flotilla/task-${t}-a${n}`, worktree, startPoint: 'main', state: 'finished', createdAt: at });
  }
  tasks.push(taskSchema.parse({ id: `task-${t}`, title: `task ${t}`, prompt: 'p', agent: 'claude', base: 'main', state: 'ready', stateSince: at, createdAt: at, updatedAt: at, attempts }));
}
writeFileSync(join(root, '.flotilla', 'tasks.json'), JSON.stringify({ version: 1, nextPr: 1, tasks }));

const models = ['claude-sonnet-4-5-20250929', 'claude-opus-4-5-20251101', 'claude-haiku-4-5-20251001'];
const toolResult = JSON.stringify({ type: 'user', message: { role: 'user', content: [{ type: 'tool_result', content: 'y'.repeat(3000) }] } });
let bytes = 0;
let requests = 0;
const claudeBytes = targetMB * 0.9 * 1024 * 1024;
const files = [];
let w = 0;
while (bytes < claudeBytes) {
  const worktree = worktrees[w++ % worktrees.length];
  const session = `session-${w}`;
  const d = join(sources.claudeDirs[0], 'projects', claudeProjectDirName(worktree));
  mkdirSync(d, { recursive: true });
  const lines = [claudeUserLine(worktree, session, 'do the thing')];
  for (let i = 0; i < 400; i++) {
    const line = claudeAssistantLine({ cwd: worktree, sessionId: session, model: models[i % 3], input: 10 + i, output: 300, cacheRead: 20_000 + i * 100, cacheWrite: 500, pad: 600 });
    lines.push(line, line, toolResult); // a message logged twice, as Claude Code does for two blocks
    requests++;
  }
  const text = lines.join('\n') + '\n';
  const file = join(d, `${session}.jsonl`);
  writeFileSync(file, text);
  files.push(file);
  bytes += text.length;
}
let c = 0;
while (bytes < targetMB * 1024 * 1024) {
  const worktree = worktrees[c % worktrees.length];
  const totals = [];
  for (let i = 1; i <= 300; i++) totals.push({ input: i * 20_000, cached: i * 15_000, output: i * 500 });
  const lines = codexLines({ cwd: worktree, sessionId: `cx-${c}`, model: 'gpt-5-codex', totals });
  const padded = lines.flatMap((l) => [l, JSON.stringify({ type: 'response_item', payload: { type: 'function_call_output', output: 'z'.repeat(2000) } })]);
  const d = join(sources.codexSessionsDirs[0], '2026', '11', String(1 + (c % 28)).padStart(2, '0'));
  mkdirSync(d, { recursive: true });
  const text = padded.join('\n') + '\n';
  writeFileSync(join(d, `rollout-2026-11-01T00-00-00-cx-${c}.jsonl`), text);
  bytes += text.length;
  requests += 300;
  c++;
}
const mb = bytes / 1024 / 1024;
console.log(`generated ${mb.toFixed(1)} MB: ${files.length} Claude logs, ${c} Codex rollouts, ${requests} requests (Claude ones logged twice)`);

async function time(fn) {
  const t0 = performance.now();
  const r = await fn();
  return [performance.now() - t0, r];
}

const all = [...(await listJsonl(sources.claudeDirs[0], 4)), ...(await listJsonl(sources.codexSessionsDirs[0], 4))];
const [baseMs] = await time(async () => {
  let n = 0;
  for (const f of all) n += (await readFile(f, 'utf8')).split('\n').length;
  return n;
});
const fleet = await createFleet({ cwd: root });
const rss0 = process.memoryUsage().rss;
const [scratchMs, report] = await time(() => refreshCost(fleet, { sources }));
const rss1 = process.memoryUsage().rss;
const appendText = Array.from({ length: 100 }, (_, i) => claudeAssistantLine({ cwd: worktrees[0], sessionId: 'session-1', model: models[0], input: 5, output: 5, pad: 600 })).join('\n') + '\n';
appendFileSync(files[0], appendText);
const [incMs, report2] = await time(() => refreshCost(fleet, { sources }));
const [idleMs] = await time(() => refreshCost(fleet, { sources }));
const stateKB = readFileSync(join(root, '.flotilla', 'cost-state.json')).length / 1024;
await fleet.close();

console.log(`baseline  readFile + split lines: ${baseMs.toFixed(0)} ms (${(mb / (baseMs / 1000)).toFixed(0)} MB/s)`);
console.log(`from scratch (parse, dedupe, price, write task.cost): ${scratchMs.toFixed(0)} ms (${(mb / (scratchMs / 1000)).toFixed(0)} MB/s, ${(scratchMs / baseMs).toFixed(2)}x baseline), RSS +${((rss1 - rss0) / 1048576).toFixed(0)} MB`);
console.log(`incremental after appending ${(appendText.length / 1024).toFixed(0)} KB to one log: ${incMs.toFixed(1)} ms (${(incMs / scratchMs * 100).toFixed(2)}% of from-scratch)`);
console.log(`refresh with nothing new: ${idleMs.toFixed(1)} ms`);
console.log(`state file: ${stateKB.toFixed(0)} KB; total ${report2.total.usd} USD, ${report2.total.tokens} tokens (was ${report.total.usd})`);
rmSync(dir, { recursive: true, force: true });
