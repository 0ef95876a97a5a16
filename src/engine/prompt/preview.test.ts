import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { UsageError } from '../core/index.js';
import { createFleet, type Fleet } from '../fleet/index.js';
import { attemptSchema } from '../core/index.js';
import { makeTempRepo, type TempRepo } from '../../test-support/temp-repo.js';

let repo: TempRepo | null = null;
let fleet: Fleet | null = null;
afterEach(async () => {
  await fleet?.close();
  fleet = null;
  repo?.cleanup();
  repo = null;
});

it('task.prompt composes the next attempt: brief, context, matching learnings, done, and the enrichment of a pending retry', async () => {
  repo = makeTempRepo({ shared: { nodeModules: false } });
  repo.write('docs/spec.md', 'SPEC-BODY');
  const learning = { at: '2026-11-01T00:00:00Z', taskId: 'older', class: 'ci_failed', enrichment: ['failing-tests'], tags: ['ui'], paths: [], sentence: 'UI tasks: run the snapshot tests.' };
  writeFileSync(join(repo.root, '.flotilla/learnings.jsonl'), `${JSON.stringify(learning)}\n`);
  fleet = await createFleet({ cwd: repo.root });
  expect(fleet.supports('task.prompt')).toBe(true);
  await fleet.dispatch({ type: 'task.add', input: { title: 'Login', id: 'login', prompt: 'Build the login form.', tags: ['ui'], context: ['docs/spec.md'] } });

  const fresh = await fleet.dispatch({ type: 'task.prompt', id: 'login' });
  expect(fresh.parts.map((p) => p.kind)).toEqual(['brief', 'context', 'learnings', 'done']);
  expect(fresh.parts[1]!.text).toBe('SPEC-BODY');
  expect(fresh.learnings.map((l) => l.taskId)).toEqual(['older']);

  // A retry waiting to start: its enrichment is part of the preview.
  await fleet.registry.updateTask('login', (task) => {
    task.attempts.push(
      attemptSchema.parse({ n: 1, branch: 'flotilla/login-a1', worktree: join(repo!.worktreeRoot, 'login-a1'), startPoint: 'main', state: 'pending', createdAt: new Date().toISOString(), enrichment: { kinds: ['note'], text: 'ENRICH-NOTE' } }),
    );
  });
  const retry = await fleet.dispatch({ type: 'task.prompt', id: 'login' });
  expect(retry.parts.at(-1)).toMatchObject({ kind: 'enrichment', text: 'ENRICH-NOTE' });

  await expect(fleet.dispatch({ type: 'task.prompt', id: 'nope' })).rejects.toThrow(UsageError);
  await expect(fleet.dispatch({ type: 'task.prompt', id: 'nope' })).rejects.toThrow(/no task "nope"/);
});
