import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PtyRuntime } from './pty-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-pty-rt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fast writer: 3 MB of text, then its last words, then exit. */
const WRITER = 'head -c 3000000 /dev/zero | tr "\\0" x; printf "\\nLAST-WORDS-%s\\n" done';

describe('PtyRuntime at exit', () => {
  it("keeps a fast writer's last output, in the screen and in the log, run after run", async () => {
    const rt = new PtyRuntime();
    try {
      for (let run = 0; run < 6; run++) {
        const logFile = join(dir, `${run}.log`);
        const session = await rt.spawn({
          taskId: 't', attempt: 1, argv: ['bash', '-c', WRITER], cwd: dir, env: { ...process.env } as Record<string, string>,
          cols: 80, rows: 10, logFile, logMaxBytes: 64 * 1024 * 1024, logKeep: 1, argvFile: join(dir, `${run}.argv`),
        });
        const code = await new Promise<number | null>((resolve) => session.onExit(resolve));
        expect(code).toBe(0);
        expect(await session.capture(false), `run ${run}: screen`).toContain('LAST-WORDS-done');
        expect(readFileSync(logFile, 'utf8').endsWith('LAST-WORDS-done\r\n'), `run ${run}: log`).toBe(true);
        session.release();
      }
    } finally {
      await rt.close();
    }
  }, 60_000);
});

describe('PtyRuntime attach (issue 20 item 1)', () => {
  it("passes the agent's screen output but not its clipboard or title sequences", async () => {
    const { PassThrough } = await import('node:stream');
    const rt = new PtyRuntime();
    try {
      // The agent waits for a line on its stdin (sent once attached), then prints and exits.
      const script = [
        "process.stdin.once('data', () => {",
        "  process.stdout.write('\\x1b[31mRED\\x1b[0m \\x1b]52;c;cHduZWQ=\\x07\\x1b]0;evil title\\x07\\x1b]2;t2\\x1b\\\\\\x1b[5;5HMOVED END\\n');",
        '  setTimeout(() => process.exit(0), 200);',
        '});',
      ].join('\n');
      const session = await rt.spawn({
        taskId: 'att', attempt: 1, argv: [process.execPath, '-e', script], cwd: dir, env: { ...process.env } as Record<string, string>,
        cols: 80, rows: 10, logFile: join(dir, 'att.log'), logMaxBytes: 1024 * 1024, logKeep: 1, argvFile: join(dir, 'att.argv'),
      });
      const stdin = new PassThrough();
      const stdout = new PassThrough();
      let printed = '';
      stdout.on('data', (d) => (printed += d));
      const done = session.attach({ stdin: stdin as unknown as NodeJS.ReadStream, stdout: stdout as unknown as NodeJS.WriteStream, detachKey: 'C-]' });
      stdin.write('go\r');
      expect(await done).toMatchObject({ reason: 'exited' });
      expect(printed).toContain('\x1b[31mRED\x1b[0m');
      expect(printed).toContain('\x1b[5;5HMOVED END');
      expect(printed).not.toContain('\x1b]52');
      expect(printed).not.toContain('\x1b]0;');
      expect(printed).not.toContain('\x1b]2;');
      session.release();
    } finally {
      await rt.close();
    }
  }, 60_000);
});
