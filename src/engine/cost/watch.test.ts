import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { watchUsageLogs } from './watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await sleep(50);
}

describe('watchUsageLogs', () => {
  it('calls back when a session log grows, and not for other files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-watch-'));
    const project = join(dir, 'claude', 'projects', '-w');
    mkdirSync(project, { recursive: true });
    writeFileSync(join(project, 's.jsonl'), '{}\n');
    let calls = 0;
    const stop = watchUsageLogs({ claudeDirs: [join(dir, 'claude')], codexSessionsDirs: [] }, () => calls++, 50);
    try {
      await sleep(300); // let chokidar finish its initial scan
      writeFileSync(join(project, 'notes.txt'), 'x');
      await sleep(300);
      expect(calls).toBe(0);
      appendFileSync(join(project, 's.jsonl'), '{"a":1}\n');
      await until(() => calls > 0);
      expect(calls).toBeGreaterThan(0);
    } finally {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts watching a log folder created after the watch began', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-watch-'));
    let calls = 0;
    const stop = watchUsageLogs({ claudeDirs: [join(dir, 'demo-claude')], codexSessionsDirs: [] }, () => calls++, 50, 100);
    try {
      await sleep(200);
      const project = join(dir, 'demo-claude', 'projects', '-w');
      mkdirSync(project, { recursive: true });
      writeFileSync(join(project, 's.jsonl'), '{}\n');
      await until(() => calls > 0);
      expect(calls).toBeGreaterThan(0);
      const before = calls;
      await sleep(300);
      appendFileSync(join(project, 's.jsonl'), '{"a":1}\n');
      await until(() => calls > before);
      expect(calls).toBeGreaterThan(before);
    } finally {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
