import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempRepo, runCli, type TempRepo } from '../../test-support/temp-repo.js';
import { RegistryError } from '../core/index.js';
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
