import { readdirSync, readlinkSync } from 'node:fs';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LogTicker, PAST_AFTER_MS, TmuxSession, UNSHOWN_LOG_POLL_MS, type TmuxServer } from './tmux-session.js';

/** How many of this process's open files are `file` (Linux). */
function openCount(file: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === file;
    } catch {
      return false;
    }
  }).length;
}

describe('TmuxSession output', () => {
  it.runIf(process.platform === 'linux')('keeps its log open while following it, reads a rotated log from its start, and lets it go when released', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-tmux-session-'));
    try {
      const log = join(dir, 'a1.log');
      await writeFile(log, '');
      const server: TmuxServer = { socket: 'unused', tmux: async () => { throw new Error('no tmux call expected'); }, panes: async () => [] };
      const session = new TmuxSession(server, 'flotilla-t-a1', 1, log);
      const chunks: string[] = [];
      session.onOutput((d) => chunks.push(d));
      const until = async (ok: () => boolean) => {
        const end = Date.now() + 10_000;
        while (!ok()) {
          if (Date.now() > end) throw new Error(`timed out; read ${JSON.stringify(chunks)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      for (const line of ['one\n', 'two\n', 'three\n']) {
        await appendFile(log, line);
        await until(() => chunks.join('').endsWith(line));
        // The file stays open between reads (it was opened and closed at each one).
        expect(openCount(log)).toBe(1);
      }
      // The writer rotates: `.log` becomes `.log.1` and a new `.log` grows past the old offset.
      await rename(log, `${log}.1`);
      await writeFile(log, 'a longer line after the rotation\n');
      await until(() => chunks.join('').endsWith('a longer line after the rotation\n'));
      expect(chunks.join('')).toBe('one\ntwo\nthree\na longer line after the rotation\n');
      expect(openCount(log) + openCount(`${log}.1`)).toBe(1);
      // Cut in place (the same file, shorter than what was read): read from its start again.
      await writeFile(log, 'cut\n');
      await until(() => chunks.at(-1) === 'cut\n');
      // A burst larger than one read: only its last 64 KiB count, as the first read of a log.
      const burst = `${'x'.repeat(99)}\n`.repeat(1000);
      await appendFile(log, burst);
      await until(() => chunks.at(-1)!.endsWith(burst.slice(-100)));
      expect(chunks.at(-1)).toBe(burst.slice(-64 * 1024));
      session.release();
      await new Promise((r) => setTimeout(r, 50));
      expect(openCount(log) + openCount(`${log}.1`)).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a session nobody shows follows its log at the lower rate, and loses nothing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-tmux-session-'));
    try {
      const log = join(dir, 'a1.log');
      await writeFile(log, '');
      const server: TmuxServer = { socket: 'unused', tmux: async () => { throw new Error('no tmux call expected'); }, panes: async () => [] };
      const session = new TmuxSession(server, 'flotilla-t-a1', 1, log);
      const chunks: string[] = [];
      session.onOutput((d) => chunks.push(d));
      // An agent printing a line every 100 ms for 2.5 s.
      const lines: string[] = [];
      for (let i = 0; i < 25; i++) {
        lines.push(`line ${i}\n`);
        await appendFile(log, lines.at(-1)!);
        await new Promise((r) => setTimeout(r, 100));
      }
      // Every 400 ms (the rate for a shown session) would be 6 polls with output; the lower rate 2 or 3.
      expect(chunks.length).toBeGreaterThanOrEqual(1);
      expect(chunks.length).toBeLessThanOrEqual(Math.ceil(2500 / UNSHOWN_LOG_POLL_MS) + 1);
      session.markExited(0); // a last read
      await new Promise((r) => setTimeout(r, 100));
      expect(chunks.join('')).toBe(lines.join(''));
      session.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a shown screen whose client ends while the agent runs gets a new client (a host connection that dropped comes back live)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-tmux-session-'));
    try {
      const log = join(dir, 'a1.log');
      await writeFile(log, '');
      // Each "client" prints its own pid and ends, as ssh -t does when the host's sshd goes away.
      const server: TmuxServer = {
        socket: 'unused',
        tmux: async () => ({ exitCode: 0, stdout: '', stderr: '' }) as never,
        panes: async () => [],
        attachArgv: () => ['sh', '-c', 'echo "client-$$"; sleep 0.3'],
      };
      const session = new TmuxSession(server, 'flotilla-t-a1', 1, log);
      const shown = () => (session.screen()?.lines ?? []).map(String).join('\n').match(/client-(\d+)/)?.[1] ?? null;
      const off = session.subscribeScreen({ cols: 40, rows: 5 }, () => undefined);
      const until = async (ok: () => boolean) => {
        const end = Date.now() + 20_000;
        while (!ok()) {
          if (Date.now() > end) throw new Error(`timed out; the screen showed ${JSON.stringify(session.screen()?.lines)}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await until(() => shown() !== null);
      const first = shown();
      await until(() => shown() !== null && shown() !== first);
      off();
      session.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('sessions of one runtime share one log timer, and leave it when released', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-tmux-session-'));
    try {
      const logTicker = new LogTicker(50);
      const server: TmuxServer = { socket: 'unused', logTicker, tmux: async () => { throw new Error('no tmux call expected'); }, panes: async () => [] };
      const sessions = await Promise.all(
        [0, 1, 2].map(async (i) => {
          const log = join(dir, `a${i}.log`);
          await writeFile(log, '');
          const session = new TmuxSession(server, `flotilla-t${i}-a1`, 1, log);
          const chunks: string[] = [];
          session.onOutput((d) => chunks.push(d));
          return { session, log, chunks };
        }),
      );
      expect(logTicker.size).toBe(3);
      for (const s of sessions) await appendFile(s.log, `hello from ${s.log}\n`);
      const until = Date.now() + 10_000;
      while (sessions.some((s) => s.chunks.length === 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      for (const s of sessions) expect(s.chunks.join('')).toBe(`hello from ${s.log}\n`);
      for (const s of sessions) s.session.release();
      expect(logTicker.size).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a screen gets its past from the log only once shown a moment (a j/k through the list replays nothing)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-tmux-session-'));
    try {
      const log = join(dir, 'a1.log');
      await writeFile(log, Array.from({ length: 200 }, (_, i) => `old line ${i}\r\n`).join(''));
      // The live client: any program in a pty does (no tmux here).
      const server: TmuxServer = { socket: 'unused', attachArgv: () => ['sleep', '30'], tmux: async () => { throw new Error('no tmux call expected'); }, panes: async () => [] };
      const session = new TmuxSession(server, 'flotilla-t-a1', 1, log);
      // Shown and left at once: no past was made.
      session.subscribeScreen({ cols: 40, rows: 10 }, () => undefined)();
      const shownAt = Date.now();
      const off = session.subscribeScreen({ cols: 40, rows: 10 }, () => undefined);
      await new Promise((r) => setTimeout(r, PAST_AFTER_MS / 4));
      const early = session.screen()!.scrollback;
      // (A machine too loaded to wake within PAST_AFTER_MS cannot tell; it checks the rest.)
      if (Date.now() - shownAt < PAST_AFTER_MS) expect(early).toBe(0);
      // Shown a moment: the lines before it are there to look back at.
      const until = Date.now() + 10_000;
      while (session.screen()!.scrollback === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      expect(session.screen()!.scrollback).toBeGreaterThan(150);
      expect(session.history()!.some((l) => l.includes('old line 10'))).toBe(true);
      off();
      session.release();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
