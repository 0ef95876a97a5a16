import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCommand } from '../exec/index.js';
import { formatTimeout, reviewerFailureText } from './failure.js';

const dirs: string[] = [];
const pids: number[] = [];
afterEach(() => {
  for (const pid of pids.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 40 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !alive(pid);
}

/** A reviewer CLI that starts a child ignoring SIGTERM (its pid written to child.pid), then does `tail`. */
function reviewer(tail: string): { dir: string; bin: string } {
  const dir = mkdtempSync(join(tmpdir(), 'flotilla-rev-exec-'));
  dirs.push(dir);
  const bin = join(dir, 'reviewer');
  // The child writes its pid once its SIGTERM trap is in place.
  writeFileSync(bin, `#!/bin/sh\nsh -c 'trap "" TERM; echo $$ > "${dir}/child.pid"; exec sleep 300' >/dev/null 2>&1 </dev/null &\n${tail}\n`);
  chmodSync(bin, 0o755);
  return { dir, bin };
}

async function childPid(dir: string): Promise<number> {
  for (let i = 0; i < 40; i++) {
    try {
      const pid = Number(readFileSync(join(dir, 'child.pid'), 'utf8').trim());
      if (pid) return pids.push(pid), pid;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the reviewer never wrote child.pid');
}

// As review/run.ts runs a reviewer: its own group, timeout, cancel signal, killLeftovers.
describe('reviewer processes', () => {
  it('leaves no process of the reviewer behind when it exits on its own (was: a spawned child outlived it)', async () => {
    const { dir, bin } = reviewer('while [ ! -s child.pid ]; do sleep 0.05; done; echo "{}"');
    const r = await runCommand({ argv: [bin], cwd: dir, timeoutMs: 60_000, killLeftovers: true });
    expect(r.exitCode).toBe(0);
    expect(await gone(await childPid(dir))).toBe(true);
  });

  it('cancel (Ctrl-C) ends the whole group, a child that ignores SIGTERM included', async () => {
    const { dir, bin } = reviewer('exec sleep 300');
    const ac = new AbortController();
    const run = runCommand({ argv: [bin], cwd: dir, timeoutMs: 60_000, signal: ac.signal, killLeftovers: true });
    const child = await childPid(dir);
    ac.abort();
    const r = await run;
    expect(r.timedOut).toBe(false);
    expect(await gone(child)).toBe(true);
  });

  it('a timeout ends the whole group', async () => {
    const { dir, bin } = reviewer('exec sleep 300');
    const r = await runCommand({ argv: [bin], cwd: dir, timeoutMs: 300, killLeftovers: true });
    expect(r.timedOut).toBe(true);
    expect(await gone(await childPid(dir))).toBe(true);
  });
});

describe('what a failed reviewer said', () => {
  it('quotes stderr, else stdout, else the error inside a JSON result; filtered and on one line', () => {
    expect(reviewerFailureText('Error: Invalid API key\n', '')).toBe('Error: Invalid API key');
    // Claude Code prints its login error on stdout.
    expect(reviewerFailureText('', 'Not logged in · Please run /login\n')).toBe('Not logged in · Please run /login');
    expect(
      reviewerFailureText('', JSON.stringify({ type: 'result', subtype: 'success', is_error: true, result: 'API Error: 401 {"type":"error"}' })),
    ).toBe('API Error: 401 {"type":"error"}');
    expect(reviewerFailureText('', JSON.stringify({ error: { type: 'AuthError', message: 'Please set an Auth method' } }))).toBe('Please set an Auth method');
    expect(reviewerFailureText('\x1b[31mboom\x1b[0m\x07\n\u202egnirts', '')).toBe('boom | gnirts');
    expect(reviewerFailureText('', '')).toBe('');
    expect(reviewerFailureText('x'.repeat(1000), '').length).toBe(300);
  });

  it('says timeouts in minutes when they are whole minutes', () => {
    expect(formatTimeout(300_000)).toBe('5 min');
    expect(formatTimeout(90_000)).toBe('90s');
  });
});
