import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFleet, type Fleet } from '../fleet/index.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';
import { taskSchema, type Task } from '../core/index.js';
import { claudeProjectDirName, geminiProjectHash } from '../agents/index.js';
import { findPrice } from './prices.js';
import { recordIntervention } from './interventions.js';
import { refreshCost, type CostSources } from './refresh.js';
import { claudeAssistantLine, claudeUserLine, codexLines } from '../../test-support/usage-fixtures.js';
import { reviewRecordWith } from '../../test-support/review-task.js';

let repo: TempRepo;
let fleet: Fleet;
let sources: CostSources;
/** The parts of a reviewer run record this test does not look at. */
const REVIEW_RUN = { startedAt: '2026-11-01T09:00:00.000Z', endedAt: '2026-11-01T09:01:00.000Z', try: 1, chunk: 0, ok: true, exitCode: 0 };

let w1: string;
let w2: string;
let w3: string;

function task(id: string, attempts: Array<{ n: number; worktree: string }>, extra: Record<string, unknown> = {}): Task {
  const at = '2026-11-01T09:00:00.000Z';
  return taskSchema.parse({
    id,
    title: id,
    prompt: 'p',
    agent: 'claude',
    base: 'main',
    state: 'running',
    stateSince: at,
    createdAt: at,
    updatedAt: at,
    attempts: attempts.map((a) => ({
      n: a.n,
      branch: `flotilla/${id}-a${a.n}`,
      worktree: a.worktree,
      startPoint: 'main',
      state: 'finished',
      createdAt: at,
    })),
    ...extra,
  });
}

function claudeLog(worktree: string, session: string, lines: string[]): string {
  const dir = join(sources.claudeDirs[0]!, 'projects', claudeProjectDirName(worktree));
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${session}.jsonl`);
  appendFileSync(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

beforeEach(async () => {
  repo = makeTempRepo();
  sources = { claudeDirs: [join(repo.dir, 'claude')], codexSessionsDirs: [join(repo.dir, 'codex', 'sessions')] };
  w1 = join(repo.worktreeRoot, 'fix-a1');
  w2 = join(repo.worktreeRoot, 'fix-a2');
  w3 = join(repo.worktreeRoot, 'other-a1');
  for (const w of [w1, w2, w3]) mkdirSync(w, { recursive: true });
  fleet = await createFleet({ cwd: repo.root });
});
afterEach(async () => {
  await fleet.close();
  repo.cleanup();
});

describe('cost from fixture logs', () => {
  it('prices two attempts and two reviews exactly, with duplicates, cache tokens, a >200k request and a bad line', async () => {
    const reviewOut = join(repo.root, '.flotilla', 'runs', 'r1.json');
    const codexReviewOut = join(repo.root, '.flotilla', 'runs', 'r2.jsonl');
    await fleet.registry.update((d) => {
      d.tasks.push(
        task('fix', [{ n: 1, worktree: w1 }, { n: 2, worktree: w2 }], {
          review: reviewRecordWith([], {
            attempt: 2,
            runs: [
              { ...REVIEW_RUN, runId: 'r1', role: 'security', profile: 'claude', model: 'claude-haiku-4-5', outputFile: reviewOut },
              { ...REVIEW_RUN, runId: 'r2', role: 'tests', profile: 'codex', model: 'gpt-5', outputFile: codexReviewOut },
            ],
          }),
        }),
      );
      d.tasks.push(task('other', [{ n: 1, worktree: w3 }]));
    });
    // Attempt 1: Claude Code. The first message is logged twice (two content blocks).
    const first = claudeAssistantLine({ cwd: w1, sessionId: 's1', model: 'claude-sonnet-4-5-20250929', id: 'msg_a', requestId: 'req_a', input: 1000, output: 500, cacheWrite: 2000, cacheRead: 10_000 });
    claudeLog(w1, 's1', [
      claudeUserLine(w1, 's1', 'hello'),
      first,
      first,
      claudeAssistantLine({ cwd: w1, sessionId: 's1', model: 'claude-opus-4-1-20250805', input: 200, output: 100 }),
      // long context: 255,000 prompt tokens -> Sonnet's above-200k tier for the whole request
      claudeAssistantLine({ cwd: w1, sessionId: 's1', model: 'claude-sonnet-4-5-20250929', input: 5000, output: 2000, cacheRead: 250_000 }),
      '{"type":"assistant","message":{"id":"msg_torn","usage":{"input_tok',
    ]);
    // The review run's own session log in the same worktree: counted under the review, not the attempt.
    claudeLog(w1, 'review-session', [claudeAssistantLine({ cwd: w1, sessionId: 'review-session', model: 'claude-haiku-4-5', input: 9999, output: 9999 })]);
    // Attempt 2: Codex, with a repeated token_count event.
    const codexDir = join(sources.codexSessionsDirs[0]!, '2026', '11', '01');
    mkdirSync(codexDir, { recursive: true });
    const lines = codexLines({
      cwd: w2,
      sessionId: 'cx1',
      model: 'gpt-5-codex',
      totals: [
        { input: 10_000, cached: 4000, output: 1000 },
        { input: 10_000, cached: 4000, output: 1000 },
        { input: 30_000, cached: 10_000, output: 3000 },
      ],
    });
    writeFileSync(join(codexDir, 'rollout-2026-11-01T10-00-00-cx1.jsonl'), lines.map((l) => `${l}\n`).join(''));
    // A Codex session of some other project: ignored.
    writeFileSync(join(codexDir, 'rollout-2026-11-01T11-00-00-cx2.jsonl'), codexLines({ cwd: '/somewhere/else', sessionId: 'cx2', model: 'gpt-5', totals: [{ input: 1e6, cached: 0, output: 1e6 }] }).join('\n') + '\n');
    // Other task: a model with no price.
    claudeLog(w3, 's3', [claudeAssistantLine({ cwd: w3, sessionId: 's3', model: 'mystery-model-1', input: 100, output: 50 })]);
    // Reviews: Claude -p JSON (its own total) and codex exec --json events (priced from usage).
    mkdirSync(join(repo.root, '.flotilla', 'runs'), { recursive: true });
    writeFileSync(reviewOut, JSON.stringify({ type: 'result', subtype: 'success', is_error: false, session_id: 'review-session', total_cost_usd: 0.0123, result: '{}', usage: { input_tokens: 9999, output_tokens: 9999, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } }));
    writeFileSync(codexReviewOut, ['{"type":"thread.started","thread_id":"cxr"}', '{"type":"turn.started"}', '{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":0,"output_tokens":100}}'].join('\n'));

    const report = await refreshCost(fleet, { sources });
    const fix = report.tasks.find((t) => t.id === 'fix')!;
    // attempt 1: sonnet 1000*3 + 500*15 + 2000*3.75 + 10000*0.3 = $0.021; opus 200*15 + 100*75 = $0.0105;
    //            long sonnet 5000*6 + 2000*22.5 + 250000*0.6 = $0.225
    expect(fix.byAttempt[0]).toMatchObject({ attempt: 1, usd: 0.2565, tokens: 13_500 + 300 + 257_000, unknownModels: [] });
    expect(fix.byAttempt[0]!.byModel.map((m) => [m.model, m.usd])).toEqual([
      ['claude-sonnet-4-5-20250929', 0.246],
      ['claude-opus-4-1-20250805', 0.0105],
    ]);
    // attempt 2: (6000*1.25 + 4000*0.125 + 1000*10) + (14000*1.25 + 6000*0.125 + 2000*10) = $0.018 + $0.03825
    expect(fix.byAttempt[1]).toMatchObject({ attempt: 2, usd: 0.05625, tokens: 33_000 });
    expect(fix.byReview.map((r) => [r.runId, r.role, r.usd])).toEqual([
      ['r1', 'security', 0.0123],
      ['r2', 'tests', 0.00225],
    ]);
    expect(fix).toMatchObject({ usd: 0.3273, attempts: 2, reviews: 2, unknownModels: [] });
    const other = report.tasks.find((t) => t.id === 'other')!;
    expect(other).toMatchObject({ usd: null, tokens: 150, unknownModels: ['mystery-model-1'] });
    expect(report.total).toMatchObject({ usd: null, usdKnown: 0.3273, unknownModels: ['mystery-model-1'] });
    expect(report.malformedLines).toBe(1);

    // task.cost in the registry, as status --json shows it.
    const saved = (await fleet.registry.read()).tasks.find((t) => t.id === 'fix')!.cost as Record<string, unknown>;
    expect(saved).toMatchObject({ usd: 0.3273, attempts: 2, reviews: 2, unknownModels: [] });

    // Incremental: a new line is read, old ones are not counted again; a partial line waits.
    const file = claudeLog(w1, 's1', [claudeAssistantLine({ cwd: w1, sessionId: 's1', model: 'claude-haiku-4-5', input: 1000, output: 1000 })]);
    appendFileSync(file, claudeAssistantLine({ cwd: w1, sessionId: 's1', model: 'claude-haiku-4-5', id: 'msg_partial', requestId: 'r', input: 1e6, output: 0 }).slice(0, 40));
    const again = await refreshCost(fleet, { sources });
    expect(again.tasks.find((t) => t.id === 'fix')!.byAttempt[0]!.usd).toBe(0.2625); // + 1000*1 + 1000*5
    expect(again.malformedLines).toBe(1);
  });

  it('prices Claude 1-hour cache writes at twice the input price', async () => {
    await fleet.registry.update((d) => void d.tasks.push(task('fix', [{ n: 1, worktree: w1 }])));
    claudeLog(w1, 's', [claudeAssistantLine({ cwd: w1, sessionId: 's', model: 'claude-sonnet-4-5', input: 0, output: 0, cacheWrite: 1000, cacheWrite1h: 1000 })]);
    const report = await refreshCost(fleet, { sources });
    // 1000 * 3.75 + 1000 * 6 per million
    expect(report.tasks[0]!.usd).toBe(0.00975);
  });

  it('prices a real Gemini CLI 0.61 session log, attributed to the worktree by its project hash, each message once', async () => {
    await fleet.registry.update((d) => void d.tasks.push(task('fix', [{ n: 1, worktree: w1 }])));
    // Recorded from gemini 0.61.0 against a scripted endpoint (usageMetadata: prompt 2000 of which
    // 1500 cached, 50 candidates, 20 thoughts; total 2070); its project hash made this worktree's.
    const recorded = readFileSync(new URL('../../../test/fixtures/agents/gemini-0.61.0-session.jsonl', import.meta.url), 'utf8').split('\n');
    const chats = join(repo.dir, 'gemini', 'tmp', 'fix-a1', 'chats');
    mkdirSync(chats, { recursive: true });
    const head = (root: string) => JSON.stringify({ ...JSON.parse(recorded[0]!), projectHash: geminiProjectHash(root) });
    const model = recorded.find((l) => l.includes('"type":"gemini"'))!;
    // The CLI writes a message again when it changes (same id): counted once.
    writeFileSync(join(chats, 'session-2026-12-02T06-22-0e6ae198.jsonl'), [head(w1), ...recorded.slice(1), model, ''].join('\n'));
    mkdirSync(join(repo.dir, 'gemini', 'tmp', 'elsewhere', 'chats'), { recursive: true });
    writeFileSync(join(repo.dir, 'gemini', 'tmp', 'elsewhere', 'chats', 'session-x.jsonl'), [head('/somewhere/else'), ...recorded.slice(1)].join('\n'));
    const report = await refreshCost(fleet, { sources: { ...sources, geminiDirs: [join(repo.dir, 'gemini')] } });
    const t = report.tasks[0]!;
    expect(t.tokens).toBe(2070);
    expect(t.byAttempt[0]!.tokenBreakdown).toEqual({ input: 500, output: 70, cacheRead: 1500, cacheWrite: 0 });
    const price = findPrice({}, 'gemini-2.5-pro')!;
    expect(t.usd).toBeCloseTo((500 * price.input + 70 * price.output + 1500 * (price.cacheRead ?? price.input)) / 1e6, 5);
    expect(report.unattributedTokens).toBe(0);
  });

  it('uses config prices over the bundled ones and counts effort', async () => {
    await fleet.close();
    writeFileSync(
      join(repo.root, '.flotilla', 'config.json'),
      JSON.stringify({ worktreeRoot: repo.worktreeRoot, prices: { 'mystery-model-1': { input: 2, output: 4 } } }),
    );
    fleet = await createFleet({ cwd: repo.root });
    const t = task('other', [{ n: 1, worktree: w3 }], {
      state: 'ready',
      history: [
        { at: '2026-11-01T09:00:00.000Z', from: 'new', to: 'running' },
        { at: '2026-11-01T09:30:00.000Z', from: 'running', to: 'failed' },
        { at: '2026-11-01T09:40:00.000Z', from: 'failed', to: 'running' },
        { at: '2026-11-01T09:50:00.000Z', from: 'running', to: 'ready' },
      ],
    });
    t.attempts[0]!.ciRounds = 2;
    t.attempts[0]!.enrichment = { kinds: ['note'], text: 'x', note: 'use the v2 API' };
    await fleet.registry.update((d) => void d.tasks.push(t));
    claudeLog(w3, 's3', [claudeAssistantLine({ cwd: w3, sessionId: 's3', model: 'mystery-model-1', input: 100, output: 50 })]);
    const report = await refreshCost(fleet, { sources });
    expect(report.tasks[0]).toMatchObject({ usd: 0.0004, unknownModels: [], effort: { attempts: 1, workingMs: 40 * 60_000, interventions: 1, ciRounds: 2 } });
    expect(report.perCompletedPr).toEqual({ prs: 1, usd: 0.0004 });
    // attach and send count; a recorded retry note is not counted twice
    await recordIntervention(fleet.registry, 'other', 'attach');
    await recordIntervention(fleet.registry, 'other', 'retry-note');
    const again = await refreshCost(fleet, { sources });
    expect(again.tasks[0]!.effort.interventions).toBe(2);
  });

  it('counts a message once across files (resumed session), survives concurrent refreshes, and re-reads a replaced log', async () => {
    await fleet.registry.update((d) => void d.tasks.push(task('fix', [{ n: 1, worktree: w1 }])));
    const shared = claudeAssistantLine({ cwd: w1, sessionId: 's1', model: 'claude-haiku-4-5', id: 'msg_x', requestId: 'req_x', input: 1000, output: 0 });
    claudeLog(w1, 's1', [shared]);
    const resumed = claudeLog(w1, 's2', [shared, claudeAssistantLine({ cwd: w1, sessionId: 's2', model: 'claude-haiku-4-5', input: 2000, output: 0 })]);
    const [a, b] = await Promise.all([refreshCost(fleet, { sources }), refreshCost(fleet, { sources })]);
    expect(a.tasks[0]!.usd).toBe(0.003);
    expect(b.tasks[0]!.usd).toBe(0.003);
    expect((await refreshCost(fleet, { sources })).tasks[0]!.usd).toBe(0.003);
    // The resumed log is replaced by a shorter one: its old usage is dropped and it is read again.
    writeFileSync(resumed, `${claudeAssistantLine({ cwd: w1, sessionId: 's2', model: 'claude-haiku-4-5', input: 10, output: 0 })}\n`);
    expect((await refreshCost(fleet, { sources })).tasks[0]!.usd).toBe(0.00101);
  });

  it('is fine with missing log folders and no tasks', async () => {
    const report = await refreshCost(fleet, { sources: { claudeDirs: [join(repo.dir, 'nope')], codexSessionsDirs: [join(repo.dir, 'nope2')] } });
    expect(report.tasks).toEqual([]);
    expect(report.total).toMatchObject({ usd: 0, tokens: 0 });
  });
});
