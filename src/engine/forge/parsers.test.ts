import { describe, expect, it } from 'vitest';
import { matchGlobs } from '../gates/index.js';
import { isGithubRemote, parsePrChecks, parsePrList, runIdFromLink } from './parse-gh.js';
import { composePrBody, missingHeadings } from './pr-body.js';

describe('gh parsers', () => {
  it('maps check buckets to gate states and keeps links', () => {
    const checks = parsePrChecks(JSON.stringify([
      { name: 'a', state: 'SUCCESS', bucket: 'pass', link: 'https://x' },
      { name: 'b', state: 'FAILURE', bucket: 'fail' },
      { name: 'c', state: 'CANCELLED', bucket: 'cancel' },
      { name: 'd', state: 'IN_PROGRESS', bucket: 'pending' },
      { name: 'e', state: 'SKIPPED', bucket: 'skipping' },
    ]));
    expect(checks.map((c) => c.state)).toEqual(['pass', 'fail', 'fail', 'pending', 'skip']);
    expect(checks[0]).toEqual({ name: 'a', state: 'pass', detail: 'success', link: 'https://x' });
  });

  it('refuses what it does not expect', () => {
    expect(() => parsePrChecks('[{"name":"a","bucket":"weird","state":"X"}]')).toThrow(/gh pr checks printed unexpected JSON \(0\.bucket/);
    expect(() => parsePrList('{"number":1}')).toThrow(/gh pr list printed unexpected JSON \(top level/);
    expect(() => parsePrList('')).toThrow('gh pr list did not print JSON: (empty)');
  });

  it('run ids and GitHub remotes', () => {
    expect(runIdFromLink('https://github.com/o/r/actions/runs/123/job/456')).toBe('123');
    expect(runIdFromLink('https://ci.example.com/1')).toBeNull();
    expect(['git@github.com:o/r.git', 'https://github.com/o/r', 'ssh://git@github.com/o/r.git'].every(isGithubRemote)).toBe(true);
    expect(['https://gitlab.com/o/r', '/srv/git/r.git', 'https://github.com.evil.io/o/r'].some(isGithubRemote)).toBe(false);
  });
});

describe('PR body and globs', () => {
  it('keeps the template headings and lists commits and diffstat', () => {
    const body = composePrBody({ template: '## Summary\n\n## Testing\n', prompt: 'Do it', commits: [{ sha: 'abcdef1234567', subject: 'one' }], diffstat: ' a | 1 +' });
    expect(missingHeadings('## Summary\n## Testing\n', body)).toEqual([]);
    expect(body).toContain('- abcdef1234 one');
    expect(missingHeadings('## Summary\n## Testing\n', '## Summary\nonly')).toEqual(['## Testing']);
  });

  it('uiGlobs: ** spans folders, * stays in one, bare patterns match file names', () => {
    const files = ['src/ui/Button.tsx', 'src/ui/deep/Card.tsx', 'src/engine/x.ts', 'styles/app.css'];
    expect(matchGlobs(files, ['src/ui/**'])).toEqual(['src/ui/Button.tsx', 'src/ui/deep/Card.tsx']);
    expect(matchGlobs(files, ['src/ui/*.tsx'])).toEqual(['src/ui/Button.tsx']);
    expect(matchGlobs(files, ['*.css'])).toEqual(['styles/app.css']);
    expect(matchGlobs(files, ['src/**/*.{ts,tsx}'])).toEqual(['src/ui/Button.tsx', 'src/ui/deep/Card.tsx', 'src/engine/x.ts']);
  });
});
