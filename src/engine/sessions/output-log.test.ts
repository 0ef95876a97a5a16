import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputLog } from './output-log.js';

describe('OutputLog', () => {
  it('caps the log and rotates, keeping the configured number of old files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-log-'));
    try {
      const file = join(dir, 't', '1.log');
      const log = new OutputLog(file, 100, 2);
      for (let i = 0; i < 10; i++) log.write(`${String(i).repeat(60)}`);
      log.close();
      expect(statSync(file).size).toBeLessThanOrEqual(100);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(existsSync(`${file}.1`)).toBe(true);
      expect(existsSync(`${file}.2`)).toBe(true);
      expect(existsSync(`${file}.3`)).toBe(false);
      // The newest bytes are in the current file.
      expect(readFileSync(file, 'utf8').endsWith('9'.repeat(60))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
