import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_START_SIZE, paneSizeFile, readStartSize, writeStartSize } from './start-size.js';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('session start size', () => {
  it('is the default until the fleet view records its pane size, then that size (0600)', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-start-size-'));
    expect(readStartSize(dir)).toEqual(DEFAULT_START_SIZE);
    await writeStartSize(dir, { cols: 97, rows: 38 });
    expect(readStartSize(dir)).toEqual({ cols: 97, rows: 38 });
    expect(statSync(paneSizeFile(dir)).mode & 0o777).toBe(0o600);
  });

  it('ignores sizes out of range and files that are not ours', async () => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-start-size-'));
    await writeStartSize(dir, { cols: 3, rows: 1 });
    expect(readStartSize(dir)).toEqual(DEFAULT_START_SIZE);
    writeFileSync(paneSizeFile(dir), '{"cols": "wide"}');
    expect(readStartSize(dir)).toEqual(DEFAULT_START_SIZE);
    writeFileSync(paneSizeFile(dir), 'not json');
    expect(readStartSize(dir)).toEqual(DEFAULT_START_SIZE);
  });
});
