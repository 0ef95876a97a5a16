import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempRepo, runCli, type TempRepo } from '../test-support/temp-repo.js';

let repo: TempRepo | undefined;
afterEach(() => repo?.cleanup());

describe('flotilla memory', () => {
  it('opens MEMORY.md in $EDITOR (argv split, no shell) and creates it from the template when missing', async () => {
    repo = makeTempRepo();
    const editor = join(repo.dir, 'editor.cjs');
    writeFileSync(editor, 'const fs=require("fs");const f=process.argv[3];fs.appendFileSync(f, "- edited by " + process.argv[2] + "\\n");');
    const r = await runCli(repo.root, ['memory'], { EDITOR: `${process.execPath} ${editor} tester`, VISUAL: '' });
    expect(r.code).toBe(0);
    const text = readFileSync(join(repo.root, '.flotilla/MEMORY.md'), 'utf8');
    expect(text).toContain('## Strategy');
    expect(text.trimEnd().endsWith('- edited by tester')).toBe(true);
    expect((await runCli(repo.root, ['memory', '--print'])).stdout).toContain('- edited by tester');
  });

  it('names a missing editor', async () => {
    repo = makeTempRepo();
    const r = await runCli(repo.root, ['memory'], { EDITOR: 'no-such-editor-xyz', VISUAL: '' });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('flotilla: editor "no-such-editor-xyz" not found (set $EDITOR)');
  });
});
