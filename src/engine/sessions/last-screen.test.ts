import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayLogScreen } from './last-screen.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-last-screen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replayLogScreen', () => {
  it('rebuilds the last screen from raw output, colours and cursor moves included', async () => {
    const file = join(dir, '1.log');
    writeFileSync(file, 'first line\r\n\x1b[31mError:\x1b[0m could not connect\r\nprogress 10%\rprogress 99%\r\n');
    const s = await replayLogScreen(file, { cols: 40, rows: 5 });
    expect(s).not.toBeNull();
    expect(s!.cols).toBe(40);
    expect(s!.lines).toHaveLength(5);
    const plain = s!.lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trimEnd());
    expect(plain.slice(0, 3)).toEqual(['first line', 'Error: could not connect', 'progress 99%']);
    expect(s!.lines[1]).toMatch(/\x1b\[[0-9;]*31[0-9;]*mError:/);
  });

  it('replays only the end of a long log, showing its last lines', async () => {
    const file = join(dir, '2.log');
    writeFileSync(file, Array.from({ length: 50_000 }, (_, i) => `line ${i}\r\n`).join(''));
    const s = await replayLogScreen(file, { cols: 20, rows: 3 }, 4096);
    const plain = s!.lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, '').trimEnd());
    expect(plain.slice(0, 2)).toEqual(['line 49998', 'line 49999']);
  });

  it('is null without a log, or with an empty one', async () => {
    expect(await replayLogScreen(join(dir, 'missing.log'), { cols: 10, rows: 2 })).toBeNull();
    writeFileSync(join(dir, 'empty.log'), '');
    expect(await replayLogScreen(join(dir, 'empty.log'), { cols: 10, rows: 2 })).toBeNull();
  });
});
