import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configSchema } from '../core/index.js';
import type { Runner } from '../exec/index.js';
import { taskSchema, pullRequestSchema } from '../core/index.js';
import { parseChangedRanges, wasActedOn } from './acted-on.js';
import { readCalibration, recordOutcomes, shouldFold, trustFrom } from './calibration.js';
import { buildConsensus, type SourcedFinding } from './consensus.js';
import { diffNotes, packParts, splitPatch } from './diff.js';
import { evaluateReviewsGate, reviewDue, reviewFindingsText } from './gate.js';
import { postToGithub } from './post.js';
import { reviewerArgv, reviewerSpec } from './roles.js';
import type { ReviewRecord } from './types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function src(role: string, line: number, severity: SourcedFinding['severity'], category = 'logic', model = `${role}-m`): SourcedFinding {
  return { role, profile: 'p', model, file: 'a.ts', line, severity, category, message: `${role} ${line}` };
}

function taskWith(findings: ReturnType<typeof buildConsensus>, extra: Partial<ReviewRecord> = {}) {
  const now = new Date().toISOString();
  const task = taskSchema.parse({
    id: 't',
    title: 't',
    prompt: 'p',
    agent: 'claude',
    base: 'main',
    state: 'checking',
    stateSince: now,
    createdAt: now,
    updatedAt: now,
    attempts: [{ n: 1, branch: 'b', worktree: '/w', startPoint: 'main', state: 'finished', createdAt: now }],
  });
  const review: ReviewRecord = {
    runId: 'r',
    runAt: now,
    attempt: 1,
    diff: { base: 'x', head: 'y', files: 1, bytes: 1, chunks: 1, truncated: false, omittedFiles: [] },
    notes: [],
    roles: ['logic', 'sec', 'style'],
    succeeded: ['logic', 'sec', 'style'],
    findings,
    errors: [],
    dropped: 0,
    runs: [],
    ...extra,
  };
  return Object.assign(task, { review });
}

const config = configSchema.parse({
  reviewers: [
    { role: 'logic', focus: 'f', profile: 'claude', blocking: true },
    { role: 'sec', focus: 'f', profile: 'codex' },
    { role: 'style', focus: 'f', profile: 'gemini' },
  ],
});

describe('reviews gate', () => {
  it('fails on agreed major/critical and on critical from a blocking role only', () => {
    expect(evaluateReviewsGate(taskWith(buildConsensus([src('logic', 1, 'major'), src('sec', 2, 'minor')])), config).state).toBe('fail');
    expect(evaluateReviewsGate(taskWith(buildConsensus([src('logic', 1, 'minor'), src('sec', 2, 'minor')])), config).state).toBe('pass');
    expect(evaluateReviewsGate(taskWith(buildConsensus([src('sec', 1, 'critical')])), config).state).toBe('pass');
    expect(evaluateReviewsGate(taskWith(buildConsensus([src('logic', 1, 'critical')])), config).state).toBe('fail');
    expect(evaluateReviewsGate(taskWith(buildConsensus([src('logic', 1, 'major')])), config).state).toBe('pass');
  });

  it('gives recovery the blocking findings first, then the others, without dismissed ones', () => {
    const findings = buildConsensus([src('logic', 1, 'major'), src('sec', 2, 'minor'), src('style', 40, 'nit', 'naming')]);
    const t = taskWith(findings);
    const text = reviewFindingsText(t, config);
    expect(text).toMatch(/^Review findings that must be fixed:\n- a.ts:1 \[major, correctness, agreed by logic and sec\] logic 1/);
    expect(text).toMatch(/Other review findings \(use judgement\):\n- a.ts:40 \[nit, conventions, style\] style 40$/);
    findings[1]!.dismissed = true;
    expect(reviewFindingsText(t, config)).not.toContain('a.ts:40');
  });

  it('says when a review is due: no review, a newer attempt, or a moved PR head', () => {
    const t = taskWith([]);
    expect(reviewDue(t, config)).toBe(false); // no PR
    t.pr = pullRequestSchema.parse({ forge: 'local', number: 1, title: 't', body: '', branch: 'b', base: 'main', state: 'open', createdAt: 'x', attempt: 1, headSha: 'y' });
    expect(reviewDue(t, config)).toBe(false);
    t.pr.headSha = 'z';
    expect(reviewDue(t, config)).toBe(true);
    t.pr.headSha = 'y';
    t.pr.attempt = 2;
    expect(reviewDue(t, config)).toBe(true);
    delete (t as { review?: unknown }).review;
    t.pr.attempt = 1;
    expect(reviewDue(t, config)).toBe(true);
    expect(reviewDue(t, configSchema.parse({ reviewers: [] }))).toBe(false);
  });

  it('is pending without a review, for a stale attempt, or when every reviewer failed; skip with no reviewers', () => {
    const t = taskWith([]);
    delete (t as { review?: unknown }).review;
    expect(evaluateReviewsGate(t, config)).toEqual({ state: 'pending', detail: 'not reviewed yet' });
    const stale = taskWith([]);
    stale.attempts.push({ ...stale.attempts[0]!, n: 2 });
    expect(evaluateReviewsGate(stale, config).detail).toMatch(/attempt 2 not reviewed yet/);
    const failed = taskWith([], { succeeded: [], errors: [{ role: 'logic', profile: 'claude', model: 'opus', message: 'timed out', tries: 2 }] });
    expect(evaluateReviewsGate(failed, config).state).toBe('pending');
    expect(evaluateReviewsGate(t, configSchema.parse({ reviewers: [] })).state).toBe('skip');
  });
});

describe('calibration', () => {
  it('keys outcomes per finding, lets a human mark win over acted-on, and folds low-precision reviewers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cal-'));
    dirs.push(dir);
    const file = join(dir, 'calibration.json');
    await recordOutcomes(file, [
      { model: 'm', role: 'r', key: 't:1', outcome: 'noise' },
      { model: 'm', role: 'r', key: 't:1', outcome: 'noise' },
      { model: 'm', role: 'r', key: 't:2', outcome: 'noise' },
      { model: 'm', role: 'r', key: 't:2', outcome: 'acted' },
    ]);
    let data = await readCalibration(file);
    expect(data.reviewers['m×r']).toMatchObject({ noise: 2, actedOn: 0, precision: 0 });
    const f = buildConsensus([src('r', 1, 'minor', 'logic', 'm')])[0]!;
    expect(shouldFold(f, data)).toBe(false); // 2 samples: not enough yet
    expect(trustFrom(data)('m', 'r')).toBe(0.5);
    data = await recordOutcomes(file, [{ model: 'm', role: 'r', key: 't:3', outcome: 'noise' }]);
    expect(shouldFold(f, data)).toBe(true);
    expect(trustFrom(data)('m', 'r')).toBe(0);
    expect(shouldFold({ ...f, severity: 'critical' }, data)).toBe(false);
    // Agreement with a reviewer of good standing keeps it visible.
    const agreed = buildConsensus([src('r', 1, 'minor', 'logic', 'm'), src('q', 1, 'minor', 'logic', 'other')])[0]!;
    expect(shouldFold(agreed, data)).toBe(false);
    data = await recordOutcomes(file, [
      { model: 'm', role: 'r', key: 't:4', outcome: 'useful' },
      { model: 'm', role: 'r', key: 't:5', outcome: 'acted' },
    ]);
    expect(data.reviewers['m×r']!.precision).toBeCloseTo(2 / 5);
    expect(shouldFold(f, data)).toBe(false);
  });
});

describe('acted on', () => {
  it('reads old-side ranges of a -U0 diff and matches findings on or next to them', () => {
    const diff = [
      'diff --git a/a.ts b/a.ts',
      '--- a/a.ts',
      '+++ b/a.ts',
      '@@ -10,2 +10,3 @@ function f() {',
      '@@ -30,0 +32 @@',
      'diff --git a/new.ts b/new.ts',
      '--- /dev/null',
      '+++ b/new.ts',
      '@@ -0,0 +1,3 @@',
    ].join('\n');
    const changed = parseChangedRanges(diff);
    expect(changed.byFile.get('a.ts')).toEqual([[10, 11], [30, 31]]);
    const at = (line: number, file = 'a.ts') => ({ file, line, sources: [] });
    expect(wasActedOn(at(12), changed)).toBe(true);
    expect(wasActedOn(at(13), changed)).toBe(false);
    expect(wasActedOn(at(31), changed)).toBe(true);
    expect(wasActedOn(at(0), changed)).toBe(true);
    expect(wasActedOn(at(5, 'b.ts'), changed)).toBe(false);
  });
});

describe('diff parts', () => {
  const patch = (file: string, size: number) => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n+${'x'.repeat(size)}\n`;
  it('splits per file, packs into parts, cuts an oversized file and omits what is left, saying so', () => {
    const files = splitPatch([patch('a', 300), patch('b', 300), patch('c', 5000), patch('d', 300), patch('e', 300)].join(''));
    expect(files.map((f) => f.file)).toEqual(['a', 'b', 'c', 'd', 'e']);
    const { parts, cutFiles, omittedFiles } = packParts(files, 1000, 3);
    expect(parts.map((p) => p.patches.length)).toEqual([2, 1, 2]);
    expect(cutFiles).toEqual(['c']);
    expect(parts[1]!.patches[0]).toContain("the rest of this file's diff");
    expect(omittedFiles).toEqual([]);
    const tight = packParts(files, 1000, 2);
    expect(tight.omittedFiles).toEqual(['d', 'e']);
    const notes = diffNotes({ base: '', head: '', fileList: [], bytes: 7000, parts: tight.parts, truncated: true, cutFiles: tight.cutFiles, omittedFiles: tight.omittedFiles });
    expect(notes.join('\n')).toMatch(/reviewed in 2 parts[\s\S]*cut short[\s\S]*2 file\(s\) not shown to reviewers \(listed only\): d, e/);
  });
});

describe('reviewer commands', () => {
  it('uses the built-in non-interactive commands, dropping --model when no model is known', () => {
    const c = configSchema.parse({});
    const claude = reviewerSpec(c, { role: 'logic', focus: 'f', profile: 'claude', model: 'opus', blocking: true, timeoutSec: 5 });
    expect(reviewerArgv(claude.command, { prompt: 'P {model}', promptFile: '/f', model: claude.model })).toEqual([
      'claude', '-p', '--output-format', 'json', '--model', 'opus', 'P {model}',
    ]);
    expect(claude.output).toBe('claude-json');
    const codex = reviewerSpec(c, { role: 's', focus: 'f', profile: 'codex', blocking: false, timeoutSec: 5 });
    expect(reviewerArgv(codex.command, { prompt: 'P', promptFile: '/f', model: codex.model })).toEqual(['codex', 'exec', '--json', 'P']);
    expect(codex.modelKey).toBe('codex');
    const custom = configSchema.parse({ profiles: { mine: { command: ['my-rev', '--in', '{promptFile}'], model: 'm1' } } });
    const spec = reviewerSpec(custom, { role: 'x', focus: 'f', profile: 'mine', blocking: false, timeoutSec: 5 });
    expect(reviewerArgv(spec.command, { prompt: 'P', promptFile: '/tmp/p.md', model: spec.model })).toEqual(['my-rev', '--in', '/tmp/p.md']);
    expect(spec.modelKey).toBe('m1');
    const noPrompt = configSchema.parse({ profiles: { bad: { command: ['x'] } } });
    expect(() => reviewerSpec(noPrompt, { role: 'x', focus: 'f', profile: 'bad', blocking: false, timeoutSec: 5 })).toThrow(/no \{prompt\} or \{promptFile\}/);
  });

  it('trusts the worktree for a Gemini reviewer as for the agent (its -p refuses an untrusted folder), unless trustWorktrees is off', () => {
    const gemini = { role: 'c', focus: 'f', profile: 'gemini', blocking: false, timeoutSec: 5 };
    const withEnv = configSchema.parse({ profiles: { gemini: { env: { GEMINI_API_KEY: 'k' } } } });
    expect(reviewerSpec(withEnv, gemini).env).toEqual({ GEMINI_CLI_TRUST_WORKSPACE: 'true', GEMINI_API_KEY: 'k' });
    expect(reviewerSpec(configSchema.parse({ trustWorktrees: false }), gemini).env).toEqual({});
    expect(reviewerSpec(configSchema.parse({}), { ...gemini, profile: 'claude' }).env).toEqual({});
  });
});

describe('posting to GitHub', () => {
  it('posts one review with inline comments through gh api, and falls back to the summary when refused', async () => {
    const calls: Array<{ args: readonly string[]; input?: string }> = [];
    let refuse = true;
    const runner: Runner = {
      async run(file, args, options) {
        expect(file).toBe('gh');
        calls.push({ args, input: options?.input });
        const fail = refuse && calls.length === 1;
        return { exitCode: fail ? 1 : 0, stdout: '{}', stderr: fail ? 'gh: Unprocessable Entity (HTTP 422)' : '', timedOut: false, failed: fail, notFound: false };
      },
    };
    const pr = pullRequestSchema.parse({ forge: 'github', number: 7, title: 't', body: 'b', branch: 'x', base: 'main', state: 'open', createdAt: 'now' });
    const review = (taskWith(buildConsensus([src('logic', 3, 'major'), src('sec', 4, 'major')])) as unknown as { review: ReviewRecord }).review;
    const posted = await postToGithub(runner, '/w', pr, review, 'abc123');
    expect(calls[0]!.args).toEqual(['api', '--method', 'POST', '-H', 'Accept: application/vnd.github+json', 'repos/{owner}/{repo}/pulls/7/reviews', '--input', '-']);
    const body = JSON.parse(calls[0]!.input!);
    expect(body).toMatchObject({ commit_id: 'abc123', event: 'COMMENT', comments: [{ path: 'a.ts', line: 3, side: 'RIGHT' }] });
    expect(JSON.parse(calls[1]!.input!).comments).toBeUndefined();
    expect(posted).toMatchObject({ ok: true, comments: 0, error: expect.stringMatching(/inline comments refused.*422/) });
    refuse = false;
    calls.length = 0;
    expect(await postToGithub(runner, '/w', pr, review, 'abc123')).toMatchObject({ ok: true, comments: 1 });
  });
});
