import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCostState } from './ledger.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function temp(): string {
  const d = mkdtempSync(join(tmpdir(), 'flotilla-links-'));
  dirs.push(d);
  return d;
}

describe('the cost state file', () => {
  it('a cost state that is a link is read as empty (the logs are read again)', async () => {
    const d = temp();
    const real = { version: 1, files: {}, buckets: [{ taskId: 'x' }], reviews: {}, malformed: 0 };
    writeFileSync(join(d, 'elsewhere.json'), JSON.stringify(real));
    symlinkSync(join(d, 'elsewhere.json'), join(d, 'cost-state.json'));
    expect((await loadCostState(join(d, 'cost-state.json'))).buckets).toEqual([]);
    writeFileSync(join(d, 'own.json'), JSON.stringify(real));
    expect((await loadCostState(join(d, 'own.json'))).buckets).toHaveLength(1);
  });
});
