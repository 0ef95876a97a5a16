import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTail } from './files.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'flotilla-links-'));
  dirs.push(d);
  return d;
}

describe('reads of flotilla state files do not follow a planted link', () => {
  it('readTail of an attempt log that is a link gives nothing; a --doc link is followed', async () => {
    const d = temp();
    writeFileSync(join(d, 'secret'), 'private key material\n');
    symlinkSync(join(d, 'secret'), join(d, '1.log'));
    expect(await readTail(join(d, '1.log'), 4096)).toBeNull();
    expect(await readTail(join(d, '1.log'), 4096, { followLinks: true })).toBe('private key material\n');
    writeFileSync(join(d, '2.log'), 'own log\n');
    expect(await readTail(join(d, '2.log'), 4096)).toBe('own log\n');
  });
});
