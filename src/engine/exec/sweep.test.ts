import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { attemptMarker, environMatches, findMarked, findMarkedMany, sweepMarked } from './sweep.js';

const env = (o: Record<string, string>) => Object.entries(o).map(([k, v]) => `${k}=${v}\0`).join('');

describe('environMatches', () => {
  it('needs every variable of the marker, exactly, and none of `without`', () => {
    const agent = env({ PATH: '/bin', FLOTILLA_TASK: 'a', FLOTILLA_ATTEMPT: '2' });
    expect(environMatches(agent, attemptMarker('a', 2))).toBe(true);
    expect(environMatches(agent, attemptMarker('a'))).toBe(true);
    expect(environMatches(agent, attemptMarker('a', 1))).toBe(false);
    expect(environMatches(agent, attemptMarker('ab', 2))).toBe(false); // not a prefix match
    expect(environMatches(env({ FLOTILLA_TASK: 'ab' }), attemptMarker('a'))).toBe(false);
    const check = env({ FLOTILLA_TASK: 'a', FLOTILLA_ATTEMPT: '2', FLOTILLA_CHECK: 'tok' });
    expect(environMatches(check, attemptMarker('a', 2))).toBe(false); // a check is spared when its agent stops
    expect(environMatches(check, attemptMarker('a', undefined, { includeChecks: true }))).toBe(true);
    expect(environMatches(check, { env: {} })).toBe(false); // an empty marker matches nothing
    // Another repository's agent with the same task id and attempt is not this one's.
    const here = env({ FLOTILLA_TASK: 'a', FLOTILLA_ATTEMPT: '2', FLOTILLA_REPO: '/r/one' });
    expect(environMatches(here, attemptMarker('a', 2, { repo: '/r/one' }))).toBe(true);
    expect(environMatches(here, attemptMarker('a', 2, { repo: '/r/two' }))).toBe(false);
  });
});

describe.runIf(process.platform === 'linux')('sweepMarked', () => {
  it('ends a setsid process carrying the marker, and spares one that does not', async () => {
    const token = `t${process.pid}${Date.now()}`;
    const marked = spawn('setsid', ['sleep', '60'], { env: { ...process.env, FLOTILLA_CHECK: token }, stdio: 'ignore', detached: true });
    const other = spawn('sleep', ['60'], { env: { ...process.env, FLOTILLA_CHECK: `${token}x` }, stdio: 'ignore' });
    try {
      const until = Date.now() + 5000;
      while (findMarked({ env: { FLOTILLA_CHECK: token } }).length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(await sweepMarked({ env: { FLOTILLA_CHECK: token } })).toBe(1);
      expect(findMarked({ env: { FLOTILLA_CHECK: token } })).toEqual([]);
      expect(findMarked({ env: { FLOTILLA_CHECK: `${token}x` } })).toEqual([other.pid]);
    } finally {
      marked.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });

  it('sweeps asked for at once share one walk of /proc and each ends only its own processes', async () => {
    const tokens = [0, 1, 2].map((i) => `m${i}-${process.pid}${Date.now()}`);
    const kids = tokens.map((t) => spawn('setsid', ['sleep', '60'], { env: { ...process.env, FLOTILLA_CHECK: t }, stdio: 'ignore', detached: true }));
    const spared = spawn('sleep', ['60'], { env: { ...process.env, FLOTILLA_CHECK: `${tokens[0]}x` }, stdio: 'ignore' });
    const markers = tokens.map((t) => ({ env: { FLOTILLA_CHECK: t } }));
    try {
      const until = Date.now() + 5000;
      while (findMarkedMany(markers).some((pids) => pids.length === 0) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      const found = findMarkedMany(markers);
      expect(found.map((pids) => pids.length)).toEqual([1, 1, 1]);
      expect(new Set(found.flat()).size).toBe(3);
      expect(await Promise.all(markers.map((m) => sweepMarked(m)))).toEqual([1, 1, 1]);
      expect(findMarkedMany(markers)).toEqual([[], [], []]);
      expect(findMarked({ env: { FLOTILLA_CHECK: `${tokens[0]}x` } })).toEqual([spared.pid]);
    } finally {
      for (const k of kids) k.kill('SIGKILL');
      spared.kill('SIGKILL');
    }
  });
});
