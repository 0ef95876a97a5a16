/**
 * Outside text through every CLI printing surface: a temp repository whose registry, hook events,
 * check output, usage log, reviewer output and worktree files carry the hostile corpus; each real
 * command's stdout and stderr must hold no control character but newline and tab, and JSON output
 * must still parse back to the same data.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claudeProjectDirName } from '../../src/engine/index.js';
import { patchTask, scriptedReviewConfig, setupCalcTask } from '../../src/test-support/review-task.js';
import { claudeAssistantLine } from '../../src/test-support/usage-fixtures.js';
import { HOSTILE_ALL, HOSTILE_CORPUS, assertNoControlChars, crashed, git, runFlotilla, type TempRepo } from './helpers.js';

let repo: TempRepo;
const claudeDir = () => join(repo.dir, 'claude-home');
const env = () => ({ CLAUDE_CONFIG_DIR: claudeDir() });
// A short version of everything (the long line separately), so messages built from it stay readable.
const SHORT = Object.entries(HOSTILE_CORPUS)
  .filter(([k]) => k !== 'longLine')
  .map(([, v]) => v)
  .join(' ');

// A reviewer whose findings carry the corpus in every field flotilla prints.
const REVIEWER_SCRIPT = `
const s = ${JSON.stringify(SHORT)};
process.stdout.write(JSON.stringify({ findings: [
  { file: 'src/calc.js' + s, line: 3, severity: 'critical', category: 'bug' + s, message: 'bad ' + s + ${JSON.stringify(HOSTILE_CORPUS.longLine)} },
  { file: 'src/calc.js', line: 9, severity: 'minor', category: 'style', message: s },
] }));
`;

beforeAll(async () => {
  const reviewers = [{ role: 'logic', focus: 'f', profile: 'p-hostile', model: `m${SHORT}`, blocking: true }];
  const { profiles } = scriptedReviewConfig([]);
  repo = await setupCalcTask({
    profiles: { ...profiles, 'p-hostile': { command: [process.execPath, '-e', REVIEWER_SCRIPT, '{promptFile}'] } },
    reviewers,
    forge: 'local',
    checks: [{ name: 'test', command: [process.execPath, '-e', `process.stdout.write(${JSON.stringify(HOSTILE_ALL)}); process.stderr.write(${JSON.stringify(SHORT)}); process.exit(1)`] }],
  });
  const worktree = join(repo.worktreeRoot, 'calc-a1');
  // A worktree file whose content is hostile (for diff).
  // No NUL in it: git would call the file binary and print none of its content.
  writeFileSync(join(worktree, 'evil.txt'), `${HOSTILE_ALL.replace(/\x00/g, '')}\n`);
  git(worktree, 'add', '-A');
  git(worktree, 'commit', '-q', '-m', `evil ${SHORT.replace(/\x00/g, '')}`);
  patchTask(repo, (task) => {
    task.title = `Division ${SHORT}`;
    task.reason = `reason ${HOSTILE_ALL}`;
    const pr = task.pr as Record<string, unknown>;
    pr.title = `PR ${SHORT}`;
    pr.body = `body ${HOSTILE_ALL}`;
    (task.attempts as Array<Record<string, unknown>>)[0]!.state = 'running';
    task.state = 'checking';
  });
  // Hook events any process in the worktree could append.
  mkdirSync(join(repo.root, '.flotilla', 'hooks', 'calc'), { recursive: true });
  writeFileSync(
    join(repo.root, '.flotilla', 'hooks', 'calc', 'events.jsonl'),
    `${JSON.stringify({ at: new Date().toISOString(), event: 'Notification', attempt: 1, message: SHORT, kind: SHORT })}\n`,
  );
  // A usage log whose model name is hostile.
  const dir = join(claudeDir(), 'projects', claudeProjectDirName(worktree));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 's1.jsonl'), `${claudeAssistantLine({ cwd: worktree, sessionId: 's1', model: `claude${SHORT}`, input: 100, output: 50 })}\n`);
}, 120_000);
afterAll(() => repo?.cleanup());

async function clean(args: string[]) {
  const run = await runFlotilla(repo.root, args, { env: env() });
  expect(crashed(run), `${args.join(' ')} crashed: ${run.stderr}`).toBe(false);
  assertNoControlChars(run.stdoutBytes, `flotilla ${args.join(' ')} stdout`);
  assertNoControlChars(run.stderrBytes, `flotilla ${args.join(' ')} stderr`);
  return run;
}

describe('outside text never reaches the terminal raw (real CLI)', () => {
  it('status (table and JSON: the JSON keeps the data, escaped)', async () => {
    const table = await clean(['status']);
    expect(table.code).toBe(0);
    // The table row stays one line however many newlines the reason held.
    expect(table.stdout.split('\n').filter((l) => l.startsWith('calc')).length).toBe(1);
    const json = await clean(['status', '--json']);
    expect(JSON.parse(json.stdout).tasks[0].reason).toBe(`reason ${HOSTILE_ALL}`);
  });

  it('review, review show (text, --all and JSON) with hostile findings', async () => {
    const run = await clean(['review', 'calc']);
    expect(run.code, run.stdout + run.stderr).toBe(3);
    expect(run.stdout).toContain('bad ');
    await clean(['review', 'show', 'calc']);
    await clean(['review', 'show', 'calc', '--all']);
    const json = await clean(['review', 'show', 'calc', '--json']);
    expect(JSON.stringify(JSON.parse(json.stdout))).toContain('\\u001b]52');
  });

  it('cost (table, one task, JSON) with a hostile model name in the usage log', async () => {
    await clean(['cost']);
    await clean(['cost', 'calc']);
    await clean(['cost', '--json']);
  });

  it('diff (plain and --color: colours are flotilla\'s own, file contents filtered)', async () => {
    const plain = await clean(['diff', 'calc']);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('evil.txt');
    // The content itself was shown (filtered), not "Binary files differ".
    expect(plain.stdout.includes('safeEVIL all checks failed')).toBe(true);
    expect(plain.stdout).not.toContain('Binary files');
    const colour = await runFlotilla(repo.root, ['diff', 'calc', '--color'], { env: env() });
    expect(colour.code).toBe(0);
    // Only SGR colour sequences, and no other control character, once they are taken out.
    const withoutSgr = colour.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    assertNoControlChars(withoutSgr, 'diff --color stdout without SGR');
    expect(colour.stdout).toContain('\x1b[32m+');
  });

  it('watch (text and JSON) runs its passes without letting the corpus through', async () => {
    for (const args of [['watch'], ['watch', '--json']]) {
      const run = await runFlotilla(repo.root, args, { env: env(), timeoutMs: 6_000 });
      assertNoControlChars(run.stdoutBytes, `${args.join(' ')} stdout`);
      assertNoControlChars(run.stderrBytes, `${args.join(' ')} stderr`);
    }
  });

  it('check (text and JSON) with hostile check output (last: a failed check starts attempt 2)', async () => {
    const text = await clean(['check']);
    expect([0, 3]).toContain(text.code);
    await clean(['check', '--json']);
  });

  it('learnings, prompt and retry --dry-run print filtered text', async () => {
    await clean(['learnings']);
    await clean(['prompt', 'calc']);
  });
});
