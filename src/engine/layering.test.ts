import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ENGINE = join(import.meta.dirname, '.');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|tsx)$/.test(e.name) ? [p] : [];
  });
}

const FORBIDDEN = /(?:from\s+|import\s*\(\s*|require\s*\(\s*)['"](ink|react|ink-[\w-]+|react-[\w-]+|(?:\.\.\/)+ui(?:\/[^'"]*)?)['"]/g;

describe('engine layering', () => {
  it('no file under src/engine imports ink, react or src/ui', () => {
    const offenders: string[] = [];
    for (const file of sourceFiles(ENGINE).filter((f) => !f.endsWith('layering.test.ts'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(FORBIDDEN)) offenders.push(`${relative(ENGINE, file)}: ${m[1]}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the check itself catches a UI import', () => {
    const from = (spec: string) => `from '${spec}'`; // built here so a grep of the engine does not find this test
    const sample = `import { Box } ${from('ink')};\nimport x ${from('../../ui/App.js')};\nconst r = await import('react');`;
    expect([...sample.matchAll(FORBIDDEN)].map((m) => m[1])).toEqual(['ink', '../../ui/App.js', 'react']);
  });
});
