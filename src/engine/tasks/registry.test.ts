import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempRepo, runCli, type TempRepo } from '../../test-support/temp-repo.js';
import { RegistryError, TaskNotFoundError } from '../core/index.js';
import { TaskRegistry } from './registry.js';

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

describe('task registry', () => {
  it('starts empty, writes atomically with mode 0600, and reads back', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    expect((await reg.read()).tasks).toEqual([]);
    await reg.update((d) => {
      d.nextPr = 7;
    });
    expect(statSync(reg.file).mode & 0o777).toBe(0o600);
    expect((await reg.read()).nextPr).toBe(7);
  });

  it('an unchanged file is not parsed again, yet each read is a copy of its own; a changed one is', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    await reg.update((d) => {
      d.nextPr = 3;
    });
    const a = await reg.read();
    a.nextPr = 99; // a caller changing what it read
    const b = await reg.read();
    expect(b.nextPr).toBe(3);
    expect(b).not.toBe(a);
    // Written by someone else: read afresh, and checked afresh.
    writeFileSync(reg.file, readFileSync(reg.file, 'utf8').replace('"nextPr": 3', '"nextPr": 5'));
    expect((await reg.read()).nextPr).toBe(5);
    writeFileSync(reg.file, '{"version":1,"tasks":[');
    await expect(reg.read()).rejects.toThrow(/not valid JSON/);
  });

  it('require copies the one task it returns: changing it changes neither the registry nor the next read', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    await reg.update((d) => {
      for (const id of ['one', 'two']) d.tasks.push(taskRecord(id, repo!.worktreeRoot) as never);
    });
    const one = await reg.require('one');
    one.title = 'changed by a caller';
    expect((await reg.require('one')).title).toBe('one');
    expect((await reg.read()).tasks.find((t) => t.id === 'one')?.title).toBe('one');
    // Written by someone else: the next require sees it.
    writeFileSync(reg.file, readFileSync(reg.file, 'utf8').replace('"title": "two"', '"title": "two, renamed"'));
    expect((await reg.require('two')).title).toBe('two, renamed');
    await expect(reg.require('three')).rejects.toBeInstanceOf(TaskNotFoundError);
  });

  it('refuses a file that is not JSON and leaves it byte for byte', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    writeFileSync(reg.file, '{"version":1,"tasks":[');
    await expect(reg.read()).rejects.toThrow(RegistryError);
    await expect(reg.update(() => undefined)).rejects.toThrow(/not valid JSON/);
    expect(readFileSync(reg.file, 'utf8')).toBe('{"version":1,"tasks":[');
  });

  it('refuses JSON that is not our schema, naming where', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    const text = JSON.stringify({ version: 1, tasks: [{ id: 'ok', title: 3 }] });
    writeFileSync(reg.file, text);
    await expect(reg.read()).rejects.toThrow(/tasks\.0\.title/);
    expect(readFileSync(reg.file, 'utf8')).toBe(text);
  });

  it('refuses a registry from a newer version', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    writeFileSync(reg.file, JSON.stringify({ version: 9, tasks: [] }));
    await expect(reg.read()).rejects.toThrow(/newer flotilla/);
  });

  it('a change that throws writes nothing', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    await reg.update((d) => {
      d.nextPr = 2;
    });
    const before = readFileSync(reg.file, 'utf8');
    await expect(
      reg.update((d) => {
        d.nextPr = 99;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(readFileSync(reg.file, 'utf8')).toBe(before);
  });

  it('20 concurrent `flotilla add` processes leave 20 tasks and valid JSON', async () => {
    repo = makeTempRepo({ defaultAgent: 'claude' });
    const root = repo.root;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => runCli(root, ['add', `Task number ${i}`, '--prompt', `do thing ${i}`])),
    );
    for (const r of results) expect(r.stderr).toBe('');
    expect(results.every((r) => r.code === 0)).toBe(true);
    const data = JSON.parse(readFileSync(`${root}/.flotilla/tasks.json`, 'utf8')) as { tasks: { id: string }[] };
    expect(data.tasks).toHaveLength(20);
    expect(new Set(data.tasks.map((t) => t.id)).size).toBe(20);
    expect(new Set(results.map((r) => r.stdout.trim()))).toEqual(new Set(data.tasks.map((t) => t.id)));
  }, 90_000);
});

/** A valid task record as flotilla writes it, attempt 1 under `worktreeRoot`. */
function taskRecord(id: string, worktreeRoot: string, extra: Record<string, unknown> = {}) {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    id, title: id, prompt: 'p', agent: 'claude', base: 'main', tags: [], after: [], context: [], state: 'running', stateSince: at, reason: null,
    createdAt: at, updatedAt: at, gates: {}, pr: null, cost: null, notified: {}, history: [],
    attempts: [{ n: 1, branch: `flotilla/${id}-a1`, worktree: `${worktreeRoot}/${id}-a1`, startPoint: 'main', state: 'running', createdAt: at }],
    ...extra,
  };
}

describe('registry versions', () => {
  it('upgrades a version 1 file on read: written back atomically as version 2, the old file kept byte for byte', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`, { worktreeRoot: repo.worktreeRoot, repoRoot: repo.root });
    const v1 = `${JSON.stringify({ version: 1, nextPr: 3, tasks: [taskRecord('old-one', repo.worktreeRoot, { unknownLater: { keep: true } })] })}\n`;
    writeFileSync(reg.file, v1);
    const data = await reg.read();
    expect(data.version).toBe(2);
    expect(data.tasks[0]!.kind).toBe('worker');
    const written = JSON.parse(readFileSync(reg.file, 'utf8')) as { version: number; nextPr: number; tasks: Array<Record<string, unknown>> };
    expect(written.version).toBe(2);
    expect(written.nextPr).toBe(3);
    expect(written.tasks[0]!.kind).toBe('worker');
    // A field this flotilla does not declare survives the round trip.
    expect(written.tasks[0]!.unknownLater).toEqual({ keep: true });
    expect(readFileSync(`${reg.file}.v1.bak`, 'utf8')).toBe(v1);
    expect(statSync(reg.file).mode & 0o777).toBe(0o600);
    expect(statSync(`${reg.file}.v1.bak`).mode & 0o777).toBe(0o600);
    // Read again: already current, nothing rewritten.
    const after = readFileSync(reg.file, 'utf8');
    await reg.read();
    expect(readFileSync(reg.file, 'utf8')).toBe(after);
  });

  it('refuses a file from a newer flotilla with one line, for reads and changes alike, and leaves it byte for byte', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    const text = JSON.stringify({ version: 3, tasks: [], somethingNew: 1 });
    writeFileSync(reg.file, text);
    const err = await reg.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toBe(`${reg.file}: written by a newer flotilla (registry version 3; this one reads up to 2): upgrade flotilla; the file was left untouched`);
    await expect(reg.update((d) => void (d.nextPr = 5))).rejects.toThrow(/newer flotilla/);
    expect(readFileSync(reg.file, 'utf8')).toBe(text);
  });
});

describe('registry values', () => {
  const bad: Array<[string, (root: string, wt: string) => unknown, RegExp]> = [
    ['duplicate ids', (_r, wt) => [taskRecord('same', wt), taskRecord('same', wt)], /tasks\.1\.id: "same" is used by two tasks/],
    ['an id that is not a slug', (_r, wt) => [taskRecord('../evil', wt)], /tasks\.0\.id: not a valid task id/],
    ['after naming no task', (_r, wt) => [taskRecord('a', wt, { after: ['ghost'] })], /tasks\.0\.after: "ghost" is not a task/],
    ['a cycle of after', (_r, wt) => [taskRecord('a', wt, { after: ['b'] }), taskRecord('b', wt, { after: ['a'] })], /"after" makes a cycle: a -> b -> a/],
    ['a branch not of flotilla\'s pattern', (_r, wt) => [taskRecord('a', wt, { attempts: [{ ...taskRecord('a', wt).attempts[0], branch: 'precious' }] })], /tasks\.0\.attempts\.0\.branch: "precious" is not flotilla's branch for attempt 1 of a \(flotilla\/a-a1\)/],
    ['a branch of another attempt', (_r, wt) => [taskRecord('a', wt, { attempts: [{ ...taskRecord('a', wt).attempts[0], branch: 'flotilla/b-a1' }] })], /attempts\.0\.branch/],
    ['a worktree outside the worktree root', (_r, wt) => [taskRecord('a', wt, { attempts: [{ ...taskRecord('a', wt).attempts[0], worktree: '/etc' }] })], /tasks\.0\.attempts\.0\.worktree: "\/etc" is not under the worktree root/],
    ['a worktree that climbs out of the root', (_r, wt) => [taskRecord('a', wt, { attempts: [{ ...taskRecord('a', wt).attempts[0], worktree: `${wt}/../repo` }] })], /is not under the worktree root/],
    ['an orchestrator outside the main checkout', (_r, wt) => [taskRecord('orchestrator', wt, { kind: 'orchestrator', attempts: [{ ...taskRecord('orchestrator', wt).attempts[0], branch: 'main' }] })], /is not the main checkout/],
  ];
  for (const [what, tasks, message] of bad) {
    it(`refuses ${what} whole, with one line naming the file, and leaves it untouched`, async () => {
      repo = makeTempRepo();
      const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`, { worktreeRoot: repo.worktreeRoot, repoRoot: repo.root });
      const text = JSON.stringify({ version: 2, tasks: tasks(repo.root, repo.worktreeRoot) }, null, 2);
      writeFileSync(reg.file, text);
      const err = await reg.read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RegistryError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message.startsWith(`${reg.file}: `)).toBe(true);
      expect((err as Error).message).not.toContain('\n');
      await expect(reg.update(() => undefined)).rejects.toThrow(message);
      expect(readFileSync(reg.file, 'utf8')).toBe(text);
    });
  }

  it('accepts the orchestrator in the main checkout on its current branch', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`, { worktreeRoot: repo.worktreeRoot, repoRoot: repo.root });
    const orchestrator = taskRecord('orchestrator', repo.worktreeRoot, { kind: 'orchestrator' });
    orchestrator.attempts = [{ ...orchestrator.attempts[0]!, branch: 'main', worktree: repo.root }];
    writeFileSync(reg.file, JSON.stringify({ version: 2, tasks: [orchestrator, taskRecord('w', repo.worktreeRoot, { after: ['orchestrator'] })] }));
    expect((await reg.read()).tasks.map((t) => t.id)).toEqual(['orchestrator', 'w']);
  });

  it('accepts attempts made under the default root after worktreeRoot was set, and still refuses other places', async () => {
    repo = makeTempRepo();
    const oldRoot = `${repo.root}-default-root`;
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`, { worktreeRoot: repo.worktreeRoot, repoRoot: repo.root, alsoUnder: [oldRoot] });
    writeFileSync(reg.file, JSON.stringify({ version: 2, tasks: [taskRecord('old', oldRoot), taskRecord('new', repo.worktreeRoot)] }));
    expect((await reg.read()).tasks.map((t) => t.id)).toEqual(['old', 'new']);
    const elsewhere = JSON.stringify({ version: 2, tasks: [taskRecord('x', '/etc')] });
    writeFileSync(reg.file, elsewhere);
    await expect(reg.read()).rejects.toThrow(/is not under the worktree root .*if config worktreeRoot changed/);
    expect(readFileSync(reg.file, 'utf8')).toBe(elsewhere);
  });

  it('refuses a change that would leave a bad value, writing nothing', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`, { worktreeRoot: repo.worktreeRoot, repoRoot: repo.root });
    await reg.update((d) => void d.tasks.push(taskRecord('a', repo!.worktreeRoot) as never));
    const before = readFileSync(reg.file, 'utf8');
    await expect(reg.updateTask('a', (t) => void (t.after = ['a']))).rejects.toThrow(/change refused, it would leave tasks: "after" makes a cycle: a -> a; nothing was written/);
    expect(readFileSync(reg.file, 'utf8')).toBe(before);
  });
});

describe('registry: changes committed in groups', () => {
  it('writes changes asked for together once, in order; one that throws or is refused is undone and fails alone', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`, { worktreeRoot: repo.worktreeRoot, repoRoot: repo.root });
    await reg.update((d) => {
      for (const id of ['a', 'b', 'c']) d.tasks.push(taskRecord(id, repo!.worktreeRoot) as never);
    });
    const written = reg.writes;
    const results = await Promise.allSettled([
      reg.updateTask('a', (t) => ((t.title = 'A'), 'first')),
      reg.updateTask('b', (t) => {
        t.title = 'half done';
        throw new Error('b failed midway');
      }),
      reg.updateTask('c', (t) => void (t.after = ['c'])), // a cycle: refused
      reg.updateTask('gone', () => undefined),
      reg.update((d) => ((d.nextPr = 42), d.tasks.map((t) => t.title))),
    ]);
    expect(reg.writes - written).toBe(1);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : String((r.reason as Error).message).split(';')[0]))).toEqual([
      'first',
      'b failed midway',
      expect.stringMatching(/change refused, it would leave tasks: "after" makes a cycle: c -> c$/),
      'no task "gone" (see `flotilla status`)',
      ['A', 'b', 'c'], // the last change saw a's change and not b's, which was undone
    ]);
    const data = await reg.read();
    expect(data.nextPr).toBe(42);
    expect(data.tasks.map((t) => [t.id, t.title, t.after])).toEqual([
      ['a', 'A', []],
      ['b', 'b', []],
      ['c', 'c', []],
    ]);
  });

  it('a batch that cannot be written fails every change in it, and the file is left as it was', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`);
    writeFileSync(reg.file, '{"version":1,"tasks":[');
    const results = await Promise.allSettled([reg.update((d) => void (d.nextPr = 1)), reg.update((d) => void (d.nextPr = 2))]);
    expect(results.map((r) => r.status === 'rejected' && /not valid JSON/.test(String(r.reason)))).toEqual([true, true]);
    expect(readFileSync(reg.file, 'utf8')).toBe('{"version":1,"tasks":[');
    expect(reg.writes).toBe(0);
  });
});

describe('registry.require', () => {
  it('returns the task, or throws TaskNotFoundError (as updateTask does)', async () => {
    repo = makeTempRepo();
    const reg = new TaskRegistry(`${repo.root}/.flotilla/tasks.json`, { worktreeRoot: repo.worktreeRoot, repoRoot: repo.root });
    await reg.update((d) => void d.tasks.push(taskRecord('here', repo!.worktreeRoot) as never));
    expect((await reg.require('here')).id).toBe('here');
    const err = await reg.require('gone').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskNotFoundError);
    expect((err as TaskNotFoundError).taskId).toBe('gone');
    expect((err as Error).message).toBe('no task "gone" (see `flotilla status`)');
    await expect(reg.updateTask('gone', () => undefined)).rejects.toBeInstanceOf(TaskNotFoundError);
  });
});
