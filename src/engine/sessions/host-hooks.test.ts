import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distScript } from '../core/index.js';
import { parseHookLines } from './hooks.js';
import { gateSpecText, hostHookFiles, hostHookScript, specField } from './host-hooks.js';

/** The sh file as flotilla copies it to a host, run by this machine's real sh (dash on Debian). */
const root = mkdtempSync(join(tmpdir(), "h17 hook's $(touch pwned) "));
const script = join(root, 'flotilla-hook.sh');
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(() => writeFileSync(script, hostHookScript().text, { mode: 0o700 }));

function hook(args: string[], input = '', env: Record<string, string> = {}) {
  const r = spawnSync('sh', [script, ...args], { input, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PAYLOADS: Array<[string, string]> = [
  ['Notification', JSON.stringify({ session_id: 's', message: 'Claude needs your permission\n\u001b[31m"quoted" \\n é\u0085', notification_type: 'permission_prompt', nested: { message: 'not this one' } })],
  ['Notification', JSON.stringify({ message: 'Claude is waiting for your input', notification_type: 'idle_prompt' })],
  ['PreToolUse', JSON.stringify({ tool_name: 'Bash', tool_input: { command: 'echo "{[}]"' }, message: 'x'.repeat(700) })],
  ['StopFailure', JSON.stringify({ error: 'rate_limit', error_details: 'slow down' })],
  ['PermissionRequest', JSON.stringify({ tool_name: 'Edit' })],
  ['TaskCompleted', JSON.stringify({ task_subject: 'Write tests' })],
  ['Stop', 'not json {'],
  ['Stop', ''],
];

describe('flotilla-hook.sh record (a host without node)', () => {
  it('writes the line the local recorder writes for the same hook input (but the time), into a 0600 file under a hostile path', () => {
    const dir = join(root, 'events dir');
    mkdirSync(dir);
    const viaSh = join(dir, "ev 'x'.jsonl");
    const viaNode = join(dir, 'node.jsonl');
    for (const [event, input] of PAYLOADS) {
      expect(hook(['record', viaSh, event], input, { FLOTILLA_ATTEMPT: '3' }).code).toBe(0);
      spawnSync(process.execPath, [distScript('engine', 'sessions', 'hook-recorder.js'), viaNode, event], { input, env: { ...process.env, FLOTILLA_ATTEMPT: '3' } });
    }
    // Codex: the JSON comes as the last argument.
    hook(['record', viaSh, 'codex', JSON.stringify({ type: 'agent-turn-complete', 'last-assistant-message': 'done' })]);
    spawnSync(process.execPath, [distScript('engine', 'sessions', 'hook-recorder.js'), viaNode, 'codex', JSON.stringify({ type: 'agent-turn-complete' })], { env: { ...process.env, FLOTILLA_ATTEMPT: '' } });
    const strip = (text: string) => parseHookLines(text).map(({ at, ...rest }) => (expect(Number.isNaN(Date.parse(at))).toBe(false), rest));
    const sh = strip(readFileSync(viaSh, 'utf8'));
    expect(sh).toHaveLength(PAYLOADS.length + 1);
    expect(sh).toEqual(strip(readFileSync(viaNode, 'utf8')));
    expect(sh[0]!.message).toBe('Claude needs your permission  [31m"quoted" \\n é ');
    expect(sh[2]!.message).toHaveLength(500);
    expect(statSync(viaSh).mode & 0o777).toBe(0o600);
    expect(existsSync(join(process.cwd(), 'pwned'))).toBe(false);
  });

  it('refuses a symlinked events file or folder and a FIFO (nothing written, no hang), and a bad event name; exits 0 either way', () => {
    const target = join(root, 'target.jsonl');
    const link = join(root, 'link.jsonl');
    symlinkSync(target, link);
    expect(hook(['record', link, 'Stop'], '{}').code).toBe(0);
    expect(existsSync(target)).toBe(false);
    const realDir = join(root, 'real');
    mkdirSync(realDir);
    symlinkSync(realDir, join(root, 'linked-dir'));
    expect(hook(['record', join(root, 'linked-dir', 'e.jsonl'), 'Stop'], '{}').code).toBe(0);
    expect(existsSync(join(realDir, 'e.jsonl'))).toBe(false);
    const fifo = join(root, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(hook(['record', fifo, 'Stop'], '{}').code).toBe(0);
    const ok = join(root, 'ok.jsonl');
    expect(hook(['record', ok, 'Stop; rm -rf x'], '{}').code).toBe(0);
    expect(existsSync(ok)).toBe(false);
  });
});

describe('flotilla-hook.sh gate (the stop gate on a host)', () => {
  let wt: string;
  const git = (...args: string[]) => execFileSync('git', ['-C', wt, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  beforeAll(() => {
    wt = join(root, 'work tree');
    mkdirSync(wt);
    git('init', '-q');
    writeFileSync(join(wt, 'a.txt'), 'a\n');
    git('add', '.');
    git('commit', '-qm', 'init');
  });

  function spec(task: string, checks: Array<{ name: string; command: string[]; timeoutSec?: number }>, maxBlocks = 2) {
    const files = hostHookFiles(join(root, 'state'), task, 1);
    mkdirSync(files.dir, { recursive: true });
    writeFileSync(files.gateSpec, gateSpecText({ worktree: wt, attempt: 1, maxBlocks, files, checks: checks.map((c) => ({ timeoutSec: 60, ...c })) }));
    return files;
  }

  it('passes a clean tree whose checks pass, running each argv word as given (no shell)', () => {
    const out = join(root, 'argv.txt');
    const files = spec('clean', [
      { name: 'argv', command: ['sh', '-c', 'for a in "$@"; do printf "<%s>" "$a"; done > "$0"', out, 'two\nlines', 'back\\slash \\n', '$(touch pwned)', "it's", ''] },
      { name: 'true', command: ['true'] },
    ]);
    const r = hook(['gate', files.gateSpec]);
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({ code: 0, stdout: 'stop gate: 2 local gate(s) passed\n' });
    expect(readFileSync(out, 'utf8')).toBe("<two\nlines><back\\slash \\n><$(touch pwned)><it's><>");
    expect(existsSync(join(wt, 'pwned'))).toBe(false);
  });

  it('blocks a dirty tree and a failing check with the text the agent reads (exit 2), counts blocks in its file, then lets the agent stop', () => {
    writeFileSync(join(wt, 'new file.txt'), 'x\n');
    writeFileSync(join(wt, 'a.txt'), 'changed\n');
    const files = spec('dirty', [{ name: 'lint', command: ['sh', '-c', 'echo checking; echo "2 problems found"; exit 3'] }]);
    const first = hook(['gate', files.gateSpec]);
    expect(first.code).toBe(2);
    expect(first.stderr).toBe(
      [
        'flotilla stop gate (block 1 of 2): the task is not done yet.',
        '',
        'Uncommitted changes: a.txt, new file.txt. Commit your work (or remove stray files) before stopping.',
        '',
        'Check "lint" (sh -c echo checking; echo "2 problems found"; exit 3) failed: exit 3: 2 problems found',
        'checking',
        '2 problems found',
        '',
        'Fix these, commit, then finish.',
        '',
      ].join('\n'),
    );
    expect(readFileSync(`${files.logs}-stop-lint.log`, 'utf8')).toBe('checking\n2 problems found\n');
    expect(hook(['gate', files.gateSpec]).stderr).toMatch(/^flotilla stop gate \(block 2 of 2\)/);
    expect(readFileSync(files.blocks, 'utf8')).toBe('b\nb\n');
    // maxBlocks used: the stop goes ahead and the monitor takes over.
    expect(hook(['gate', files.gateSpec])).toMatchObject({ code: 0, stdout: 'stop gate: 2/2 blocks used for attempt 1; letting the agent stop\n' });
    git('add', '.');
    git('commit', '-qm', 'work');
  });

  it('names a check that timed out, and exits 1 (not a block) for a missing or planted spec', () => {
    const files = spec('slow', [{ name: 'slow', command: ['sleep', '30'], timeoutSec: 1 }]);
    const r = hook(['gate', files.gateSpec]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Check "slow" \(sleep 30\) failed: timed out after 1s and was killed/);
    expect(hook(['gate', join(root, 'nope.gate')])).toMatchObject({ code: 1 });
    const planted = join(root, 'planted.gate');
    symlinkSync(files.gateSpec, planted);
    expect(hook(['gate', planted]).stderr).toMatch(/no valid gate spec/);
  });

  it('encodes every spec field on one line', () => {
    expect(specField('a\nb\\c')).toBe('a\\nb\\\\c');
    expect(gateSpecText({ worktree: '/w', attempt: 2, maxBlocks: 3, files: hostHookFiles('/s', 't', 2), checks: [] })).toBe(
      'flotilla-gate 1\nworktree /w\nattempt 2\nmax 3\nblocks /s/hooks/t-a2.blocks\nlogs /s/hooks/t-a2\nend\n',
    );
  });
});

describe("flotilla-hook.sh trust-claude (Claude Code's trust entry on a host)", () => {
  const folder = join(root, 'wt "root"');
  const cfg = join(root, 'claude', '.claude.json');
  const trust = (text: string | null) => {
    rmSync(join(root, 'claude'), { recursive: true, force: true });
    if (text !== null) {
      mkdirSync(join(root, 'claude'));
      writeFileSync(cfg, text);
    }
    return hook(['trust-claude', cfg, folder]);
  };
  const read = () => JSON.parse(readFileSync(cfg, 'utf8')) as { projects: Record<string, Record<string, unknown>> } & Record<string, unknown>;

  it('merges the entry into what is there, keeping every other key', () => {
    expect(trust(null).code).toBe(0);
    expect(read()).toEqual({ projects: { [folder]: { hasTrustDialogAccepted: true } } });
    const existing = { numStartups: 4, tips: { a: '}{"' }, projects: { '/other': { allowedTools: ['x'] }, [folder]: { history: [{ display: 'a\\"b' }], hasTrustDialogAccepted: false } } };
    expect(trust(JSON.stringify(existing, null, 2)).code).toBe(0);
    expect(read()).toEqual({ ...existing, projects: { ...existing.projects, [folder]: { ...existing.projects[folder], hasTrustDialogAccepted: true } } });
    expect(trust(JSON.stringify({ projects: { [folder]: { history: [] } }, z: null })).code).toBe(0);
    expect(read()).toEqual({ projects: { [folder]: { history: [], hasTrustDialogAccepted: true } }, z: null });
    expect(trust(JSON.stringify({ a: [1, { projects: 2 }] })).code).toBe(0);
    expect(read()).toEqual({ a: [1, { projects: 2 }], projects: { [folder]: { hasTrustDialogAccepted: true } } });
    expect(statSync(cfg).mode & 0o777).toBe(0o600);
  });

  it('leaves a file that is not a JSON object, or a symlink, alone (exit 1, one line)', () => {
    for (const bad of ['[1]', '{"a":1', '{"a":1} x', 'not json', '{"projects":null}']) {
      const r = trust(bad);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(readFileSync(cfg, 'utf8')).toBe(bad);
    }
    trust('{}');
    const elsewhere = join(root, 'elsewhere.json');
    writeFileSync(elsewhere, '{}');
    rmSync(cfg);
    symlinkSync(elsewhere, cfg);
    expect(hook(['trust-claude', cfg, folder]).code).toBe(1);
    expect(readFileSync(elsewhere, 'utf8')).toBe('{}');
  });
});

describe('the hook file as copied', () => {
  it('carries its version on line 2, which changes with its content', () => {
    const { text, version } = hostHookScript();
    expect(text.split('\n')[1]).toBe(version);
    expect(version).toMatch(/^# flotilla-hook-version \d+-[0-9a-f]{12}$/);
    expect(hook(['version']).stdout.trim()).toBe(version);
  });
});
