import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner, localTransport, runChecked, runCommand, type Command, type Transport } from './runner.js';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

function tempDir(): string {
  dir = mkdtempSync(join(tmpdir(), 'flotilla-runner-'));
  return dir;
}

/** Alive and not a zombie waiting to be reaped. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function gone(pid: number, withinMs = 3000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (running(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
  return !running(pid);
}

/** A shell that starts a grandchild (`sleep 60` under a subshell), records its pid, says so and waits. */
function withGrandchild(pidFile: string): string[] {
  return ['sh', '-c', `(sleep 60 & echo $! > ${pidFile}; echo started; wait) & wait`];
}

describe('runCommand', () => {
  it('collects stdout and stderr, passes env and input, and reports the exit code', async () => {
    const r = await runCommand({
      argv: ['node', '-e', 'process.stdin.pipe(process.stdout); console.error(process.env.FLOT_X); process.stdin.on("end", () => process.exit(4))'],
      env: { FLOT_X: 'from env' },
      input: 'from stdin',
    });
    expect(r).toMatchObject({ exitCode: 4, stdout: 'from stdin', stderr: 'from env\n', failed: true, timedOut: false, notFound: false });
    expect(r.error).toBeUndefined();
  });

  it('kills the whole process group at the timeout: the grandchild is gone too', async () => {
    const d = tempDir();
    const pidFile = join(d, 'grandchild.pid');
    const started = Date.now();
    const r = await runCommand({ argv: withGrandchild(pidFile), timeoutMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeNull();
    expect(r.stdout).toBe('started\n');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('ends the group when the abort signal fires, and does not start at all when it already has', async () => {
    const d = tempDir();
    const pidFile = join(d, 'grandchild.pid');
    const ac = new AbortController();
    const pending = runCommand({ argv: withGrandchild(pidFile), signal: ac.signal, onOutput: () => ac.abort() });
    const r = await pending;
    expect(r).toMatchObject({ aborted: true, timedOut: false, exitCode: null });
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);

    let startedPid: number | undefined;
    const never = await runCommand({ argv: ['sleep', '30'], signal: ac.signal, onPid: (pid) => (startedPid = pid) });
    expect(never).toMatchObject({ aborted: true, failed: true });
    expect(startedPid).toBeUndefined();

    // Aborted while its output file is being opened (a monitor stopping as a check starts): not started either.
    const late = new AbortController();
    const started = Date.now();
    const opening = runCommand({ argv: ['sleep', '30'], signal: late.signal, outputFile: join(d, 'check.log'), onPid: (pid) => (startedPid = pid) });
    late.abort();
    expect(await opening).toMatchObject({ aborted: true, failed: true });
    expect(startedPid).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('SIGKILLs a program that ignores SIGTERM after the grace period', async () => {
    const r = await runCommand({ argv: ['sh', '-c', 'trap "" TERM; echo armed; sleep 30'], timeoutMs: 300, killGraceMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
  });

  it('kills what a program left in its group when asked (killLeftovers)', async () => {
    const d = tempDir();
    const pidFile = join(d, 'left.pid');
    const r = await runCommand({ argv: ['sh', '-c', `sleep 60 > /dev/null 2>&1 & echo $! > ${pidFile}`], killLeftovers: true });
    expect(r.exitCode).toBe(0);
    expect(await gone(Number(readFileSync(pidFile, 'utf8')))).toBe(true);
  });

  it('maps a missing program to one clear line, and a missing folder to another', async () => {
    const r = await runCommand({ argv: ['flotilla-no-such-program', '--x'] });
    expect(r).toMatchObject({ notFound: true, failed: true, exitCode: null, error: 'flotilla-no-such-program: command not found' });
    const d = tempDir();
    const where = join(d, 'not-there');
    const cwd = await runCommand({ argv: ['true'], cwd: where });
    expect(cwd).toMatchObject({ notFound: false, failed: true, error: `true: cannot run in ${where}: the folder does not exist` });
    await expect(runChecked(createRunner(), 'flotilla-no-such-program', [])).rejects.toThrow(/flotilla-no-such-program: command not found/);
  });

  it('writes all output to a 0600 file and to a callback, collecting nothing', async () => {
    const d = tempDir();
    const file = join(d, 'out.log');
    const seen: string[] = [];
    const r = await runCommand({ argv: ['sh', '-c', 'echo one; echo two >&2'], outputFile: file, onOutput: (c, s) => seen.push(`${s}:${c.toString().trim()}`) });
    expect(r).toMatchObject({ exitCode: 0, stdout: '', stderr: '' });
    expect(readFileSync(file, 'utf8').split('\n').sort()).toEqual(['', 'one', 'two']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(seen.sort()).toEqual(['stderr:two', 'stdout:one']);
  });

  it('runs every command through the transport it is given (the seam a remote host plugs into)', async () => {
    const sent: Command[] = [];
    const recording: Transport = {
      name: 'recording',
      start(command) {
        sent.push(command);
        return localTransport.start({ ...command, argv: ['echo', 'via', command.argv.join(' ')] });
      },
    };
    const r = await createRunner(recording).run('git', ['status'], { cwd: '/' });
    expect(r.stdout).toBe('via git status\n');
    expect(sent.map((c) => [c.argv, c.cwd])).toEqual([[['git', 'status'], '/']]);
  });
});
