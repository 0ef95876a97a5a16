import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config/index.js';
import { repoPaths } from '../core/index.js';
import type { Attempt, Task } from '../core/index.js';
import { makeTempRepo, runCli, type TempRepo } from '../../test-support/temp-repo.js';
import { CONTEXT_FILE_CAP, composePrompt, matchLearnings, type Learning } from './compose.js';

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

function task(over: Partial<Task> = {}): Task {
  const now = new Date().toISOString();
  return {
    id: 'login-form', title: 'Login form', prompt: 'Build the login form.', agent: 'claude', base: 'main',
    tags: ['ui'], after: [], context: [], state: 'new', stateSince: now, reason: null, createdAt: now,
    updatedAt: now, attempts: [], gates: {}, pr: null, cost: null, notified: {}, history: [], ...over,
  };
}

const learning = (over: Partial<Learning>): Learning => ({
  at: '2026-11-01T00:00:00Z', taskId: 'other', class: 'ci_failed', enrichment: ['failing-tests'],
  tags: [], paths: [], sentence: 'x', ...over,
});

describe('composePrompt', () => {
  it('puts brief, context files, matching learnings and the definition of done in that order', async () => {
    repo = makeTempRepo();
    repo.write('docs/spec.md', 'SPEC-BODY');
    const lines = [
      learning({ tags: ['ui'], sentence: 'UI tasks: run the snapshot tests before committing.' }),
      learning({ tags: ['backend'], paths: ['server/db.ts'], sentence: 'UNRELATED' }),
      learning({ paths: ['docs/other.md'], sentence: 'Docs: keep headings stable.' }),
    ];
    writeFileSync(join(repo.root, '.flotilla/learnings.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n{torn`);
    const config = parseConfig('config.json', { checks: [{ name: 'test', command: ['npm', 'test'] }] });
    const c = await composePrompt({ paths: repoPaths(repo.root), config, task: task({ context: ['docs/spec.md'] }) });
    expect(c.parts.map((p) => p.kind)).toEqual(['brief', 'context', 'learnings', 'done']);
    const iBrief = c.prompt.indexOf('Build the login form.');
    const iSpec = c.prompt.indexOf('SPEC-BODY');
    const iLearn = c.prompt.indexOf('run the snapshot tests');
    const iDone = c.prompt.indexOf('`npm test`');
    expect(iBrief).toBe(0);
    expect(iSpec).toBeGreaterThan(iBrief);
    expect(iLearn).toBeGreaterThan(iSpec);
    expect(iDone).toBeGreaterThan(iLearn);
    expect(c.prompt).toContain('Docs: keep headings stable.');
    expect(c.prompt).not.toContain('UNRELATED');
    expect(c.learnings).toHaveLength(2);
    expect(c.extraContext).toBeNull();
  });

  it('caps a large context file and says so', async () => {
    repo = makeTempRepo();
    repo.write('big.txt', 'a'.repeat(CONTEXT_FILE_CAP + 500));
    const c = await composePrompt({ paths: repoPaths(repo.root), config: parseConfig('c', {}), task: task({ context: ['big.txt'] }) });
    const ctx = c.parts.find((p) => p.kind === 'context')!;
    expect(ctx.text.length).toBeLessThan(CONTEXT_FILE_CAP + 100);
    expect(ctx.text).toContain('truncated');
  });

  it('gives the enrichment as extra context to profiles that take it as argv, in the prompt otherwise', async () => {
    repo = makeTempRepo();
    const attempt = { n: 2, enrichment: { kinds: ['note'], text: 'The requirement is X, not Y.' } } as unknown as Attempt;
    const config = parseConfig('c', {});
    const claude = await composePrompt({ paths: repoPaths(repo.root), config, task: task(), attempt });
    expect(claude.prompt).not.toContain('The requirement is X');
    expect(claude.extraContext).toContain('The requirement is X, not Y.');
    const codex = await composePrompt({ paths: repoPaths(repo.root), config, task: task({ agent: 'codex' }), attempt });
    expect(codex.extraContext).toBeNull();
    expect(codex.prompt.endsWith('The requirement is X, not Y.')).toBe(true);
  });

  it('never offers a task its own learnings', () => {
    expect(matchLearnings([learning({ taskId: 'login-form', tags: ['ui'] })], task())).toEqual([]);
  });
});

describe('flotilla prompt', () => {
  it('previews the parts, and names a missing task', async () => {
    repo = makeTempRepo();
    repo.write('notes.md', 'NOTES');
    expect((await runCli(repo.root, ['add', 'Fix it', '--prompt', 'Fix the parser.', '--context', 'notes.md'])).code).toBe(0);
    const r = await runCli(repo.root, ['prompt', 'fix-it']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Fix the parser.');
    expect(r.stdout).toContain('NOTES');
    expect(r.stdout).toContain('Definition of done');
    const j = JSON.parse((await runCli(repo.root, ['prompt', 'fix-it', '--json'])).stdout);
    expect(j.parts.map((p: { kind: string }) => p.kind)).toEqual(['brief', 'context', 'done']);
    const missing = await runCli(repo.root, ['prompt', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no task "nope"');
  });
});
