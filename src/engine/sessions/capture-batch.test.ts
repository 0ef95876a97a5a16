import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../exec/index.js';
import { CaptureBatch, splitMarked } from './capture-batch.js';

const socket = `flotilla-capture-batch-${process.pid}`;
const tmux = (args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

describe('CaptureBatch (real tmux)', () => {
  beforeAll(() => {
    for (const name of ['one', 'two', 'three']) {
      tmux(['-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', '40', '-y', '5', '--', 'sh', '-c', `printf 'screen of ${name}\\n'; exec sleep 60`]);
    }
    const until = Date.now() + 15_000;
    for (const name of ['one', 'two', 'three']) {
      while (!tmux(['capture-pane', '-p', '-t', `=${name}:`]).includes(`screen of ${name}`)) {
        if (Date.now() > until) throw new Error(`tmux session ${name} printed nothing`);
        execFileSync('sleep', ['0.1']);
      }
    }
  });
  afterAll(() => {
    try {
      tmux(['kill-server']);
    } catch {
      // gone
    }
  });

  it('reads the screens asked for together in one tmux call, each with its own answer', async () => {
    const runner = createRunner();
    const calls: string[][] = [];
    const batch = new CaptureBatch((args) => {
      calls.push(args);
      return runner.run('tmux', ['-L', socket, ...args]);
    });
    const names = ['one', 'two', 'three'];
    const results = await Promise.all(names.map((n) => batch.capture(['-p', '-t', `=${n}:`])));
    expect(calls).toHaveLength(1);
    results.forEach((r, i) => {
      expect(r.exitCode).toBe(0);
      // What a read of its own gives, byte for byte.
      expect(r.stdout).toBe(tmux(['capture-pane', '-p', '-t', `=${names[i]}:`]));
    });
  });

  it('a session that is gone fails alone: the reads tmux skipped after it are asked again', async () => {
    const runner = createRunner();
    const calls: string[][] = [];
    const batch = new CaptureBatch((args) => {
      calls.push(args);
      return runner.run('tmux', ['-L', socket, ...args]);
    });
    const [one, gone, three] = await Promise.all(['one', 'gone', 'three'].map((n) => batch.capture(['-p', '-t', `=${n}:`])));
    expect(one!.exitCode).toBe(0);
    expect(one!.stdout).toContain('screen of one');
    expect(gone!.exitCode).not.toBe(0);
    expect(gone!.stderr).toMatch(/can't find session/);
    expect(three!.exitCode).toBe(0);
    expect(three!.stdout).toContain('screen of three');
    expect(calls).toHaveLength(3); // the batch, then `gone` and `three` on their own
  });

  it('splits marked output, leaving undefined what tmux did not reach', () => {
    expect(splitMarked('a\nb\nm-0\nc\nm-1\n', 'm', 3)).toEqual(['a\nb\n', 'c\n', undefined]);
    // A line of the screen that merely looks like a later mark does not end an earlier output.
    expect(splitMarked('m-1\nm-0\n', 'm', 2)).toEqual(['m-1\n', undefined]);
  });
});
