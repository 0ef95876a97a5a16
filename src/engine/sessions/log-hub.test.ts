import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from '../exec/index.js';
import { hubPids } from '../../test-support/log-hub.js';
import { logHubPossible, logHubSocket } from './log-pipe.js';
import type { SpawnSpec } from './runtime.js';
import { TmuxRuntime } from './tmux-runtime.js';
import { findExecutable } from './which.js';

const HAVE = Boolean(findExecutable('tmux', { cwd: '/' }) && findExecutable('perl', { cwd: '/' })) && logHubPossible();

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function waitFor<T>(what: string, probe: () => T | null | undefined | false | Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function setup() {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'flt-hub-')));
  const socket = `flt-hub-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const rt = new TmuxRuntime(createRunner(), { repoRoot: dir, stateDir: dir, socket });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => {
    try {
      execFileSync('tmux', ['-L', socket, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // gone already
    }
  });
  cleanups.push(() => rt.close());
  const spec = (taskId: string, script: string): SpawnSpec => ({
    taskId,
    attempt: 1,
    argv: [process.execPath, '-e', script],
    cwd: dir,
    env: { PATH: process.env.PATH ?? '' },
    cols: 100,
    rows: 30,
    logFile: join(dir, 'logs', taskId, '1.log'),
    logMaxBytes: 64 * 1024 * 1024,
    logKeep: 1,
    argvFile: join(dir, `${taskId}.argv`),
  });
  return { dir, socket, rt, spec, hub: logHubSocket(dir)! };
}

/** Children of the tmux server other than its panes' agents (log writers of their own, for one). */
function extraChildren(socket: string): number[] {
  const server = Number(execFileSync('tmux', ['-L', socket, 'display-message', '-p', '#{pid}'], { encoding: 'utf8' }).trim());
  const panes = new Set(execFileSync('tmux', ['-L', socket, 'list-panes', '-a', '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim().split('\n').map(Number));
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === server && !panes.has(Number(d))) out.push(Number(d));
    } catch {
      // gone
    }
  }
  return out;
}

// Prints its output in pieces, then a burst, and exits at once after its last byte.
const printer = (tag: string) => `
const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
let i = 0;
const t = setInterval(() => {
  process.stdout.write(Buffer.concat([all, Buffer.from('${tag}' + i + ' é ✓\\r\\n')]));
  if (++i === 20) { clearInterval(t); process.stdout.write('${tag}'.repeat(200000) + '\\nEND-${tag}\\n'); process.exit(7); }
}, 20);`;

function expected(tag: string): Buffer {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const parts: Buffer[] = [];
  for (let i = 0; i < 20; i++) parts.push(all, Buffer.from(`${tag}${i} é ✓\r\n`));
  parts.push(Buffer.from(`${tag.repeat(200000)}\nEND-${tag}\n`));
  // The terminal turns each \n into \r\n (onlcr); every other byte goes through as it is.
  return Buffer.from(Buffer.concat(parts).toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
}

describe.runIf(HAVE)('tmux agents with the shared log writer', () => {
  it('writes two interleaved agents byte-exact, complete once their exit is seen, with no writer process per agent', async () => {
    const { rt, spec, socket, hub } = setup();
    const a = await rt.spawn(spec('ta', printer('A')));
    const b = await rt.spawn(spec('tb', printer('B')));
    const exits = await Promise.all([a, b].map((s) => new Promise<number | null>((resolve) => s.onExit((code) => resolve(code)))));
    expect(exits).toEqual([7, 7]);
    // The log holds everything up to the exit as soon as the exit is known.
    for (const [task, tag] of [['ta', 'A'], ['tb', 'B']] as const) {
      expect(readFileSync(spec(task, '').logFile).equals(expected(tag))).toBe(true);
    }
    expect(hubPids(hub)).toHaveLength(1);
    expect(extraChildren(socket)).toEqual([]);
    // Killing the sessions ends the server (nothing of the writer keeps it), then the writer.
    await a.kill();
    await b.kill();
    await waitFor('the tmux server to end', () => {
      try {
        execFileSync('tmux', ['-L', socket, 'list-sessions'], { stdio: 'ignore' });
        return false;
      } catch {
        return true;
      }
    });
    await waitFor('the writer to end', () => hubPids(hub).length === 0 && !existsSync(hub));
  });

  it('gives running agents their log back when the writer was killed: the next spawn or adoption starts one writer again', async () => {
    const { rt, spec, hub } = setup();
    const ticker = "let n = 0; setInterval(() => console.log('tick ' + n++), 100);";
    await rt.spawn(spec('t1', ticker));
    const log = spec('t1', '').logFile;
    const ticks = () => (existsSync(log) ? (readFileSync(log, 'utf8').match(/tick \d+/g) ?? []).length : 0);
    await waitFor('ticks in the log', () => ticks() >= 3);
    const [first] = await waitFor('one writer', () => (hubPids(hub).length === 1 ? hubPids(hub) : null));
    process.kill(first!, 'SIGKILL');
    await waitFor('the writer gone', () => hubPids(hub).length === 0);
    await new Promise((r) => setTimeout(r, 300));
    // Adoption (a flotilla command, the view) checks the writer: t1 gets a new pipe.
    expect(await rt.repairLogs()).toBe(1);
    const resumed = ticks();
    await waitFor('ticks again', () => ticks() >= resumed + 3);
    const [second] = await waitFor('one writer again', () => (hubPids(hub).length === 1 ? hubPids(hub) : null));
    expect(second).not.toBe(first);
    // Nothing to repair while it runs.
    expect(await rt.repairLogs()).toBe(0);
    // Killed again: the next spawn repairs t1 before starting t2, and both logs grow under one writer.
    process.kill(second!, 'SIGKILL');
    await waitFor('the writer gone', () => hubPids(hub).length === 0);
    await new Promise((r) => setTimeout(r, 300));
    await rt.spawn(spec('t2', ticker));
    const log2 = spec('t2', '').logFile;
    const before = ticks();
    await waitFor('both logs growing', () => ticks() >= before + 3 && existsSync(log2) && /tick 3/.test(readFileSync(log2, 'utf8')));
    expect(hubPids(hub)).toHaveLength(1);
  });
});
