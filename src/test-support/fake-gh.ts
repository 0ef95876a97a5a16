import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A fake `gh` for tests: a node script that answers from JSON fixtures in its own folder and
 * records every call (argv and stdin) in calls.jsonl there.
 *
 * Fixtures (all optional): auth-exit (number), pr-list.json (before a PR is created),
 * pr-list-after-create.json, checks.json (+ checks-exit), pr-view.json (`gh pr view`; default: the
 * PR asked for, open), merge-refuse (PR numbers `gh pr merge` refuses), run-log.txt, raw-pr-list.txt (printed as is, to test output that is not JSON),
 * version.txt (what `gh --version` prints; default gh 2.60.0), auth-stderr.txt (what a failing
 * `gh auth status` says), checks-stderr.txt (printed on stderr by `gh pr checks`).
 */
const SCRIPT = `#!/usr/bin/env node
const fs = require('fs');
const path = require('path');
const dir = __dirname;
const args = process.argv.slice(2);
const read = (f, d) => { try { return fs.readFileSync(path.join(dir, f), 'utf8'); } catch { return d; } };
let stdin = '';
try { if (args.includes('--body-file')) stdin = fs.readFileSync(0, 'utf8'); } catch {}
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ args, stdin }) + '\\n');
const authExit = Number(read('auth-exit', '0'));
if (args[0] === '--version') { process.stdout.write(read('version.txt', 'gh version 2.60.0 (2024-10-01)\\n')); process.exit(0); }
if (args[0] === 'auth') { if (authExit) process.stderr.write(read('auth-stderr.txt', '')); process.exit(authExit); }
if (authExit === 4) { process.stderr.write('To get started with GitHub CLI, please run:  gh auth login\\n'); process.exit(4); }
const created = fs.existsSync(path.join(dir, 'created'));
if (args[0] === 'pr' && args[1] === 'list') {
  const raw = read('raw-pr-list.txt', null);
  if (raw !== null) { process.stdout.write(raw); process.exit(0); }
  process.stdout.write(read(created ? 'pr-list-after-create.json' : 'pr-list.json', '[]'));
  process.exit(0);
}
if (args[0] === 'pr' && args[1] === 'create') {
  fs.writeFileSync(path.join(dir, 'created'), '1');
  process.stdout.write('https://github.com/acme/app/pull/42\\n');
  process.exit(0);
}
if (args[0] === 'pr' && args[1] === 'checks') {
  process.stderr.write(read('checks-stderr.txt', ''));
  process.stdout.write(read('checks.json', '[]'));
  process.exit(Number(read('checks-exit', '0')));
}
if (args[0] === 'pr' && args[1] === 'view') {
  process.stdout.write(read('pr-view.json', JSON.stringify({ number: Number(args[2]), state: 'OPEN' })));
  process.exit(0);
}
if (args[0] === 'pr' && args[1] === 'merge') {
  // merge-refuse: PR numbers gh refuses to merge (one per line).
  if (read('merge-refuse', '').split('\\n').includes(args[2])) { process.stderr.write('X Pull request #' + args[2] + ' is not mergeable: the merge commit cannot be cleanly created.\\n'); process.exit(1); }
  process.stdout.write('✓ Merged pull request #' + args[2] + '\\n');
  process.exit(0);
}
if (args[0] === 'run' && args[1] === 'view') {
  process.stdout.write(read('run-log.txt', ''));
  process.exit(0);
}
process.stderr.write('fake gh: unexpected call ' + args.join(' ') + '\\n');
process.exit(1);
`;

/** Writes the fake gh (named `gh`) and its fixtures into `dir`; returns its path. */
export function writeFakeGh(dir: string, fixtures: Record<string, unknown> = {}): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'gh');
  writeFileSync(file, SCRIPT);
  chmodSync(file, 0o755);
  for (const [name, value] of Object.entries(fixtures)) {
    writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
  }
  return file;
}

export function ghPr(overrides: Record<string, unknown> = {}) {
  return {
    number: 42,
    url: 'https://github.com/acme/app/pull/42',
    title: 'Task gh',
    body: '## Summary\n\n## Testing\n',
    state: 'OPEN',
    headRefName: 'flotilla/gh-a1',
    baseRefName: 'main',
    createdAt: '2026-01-01T00:00:00Z',
    ...overrides,
  };
}
