import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLogChunks, READ_LOGS_SCRIPT, remoteAgentEnv } from './remote-tmux-runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'h17-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The batched log read as the host's shell runs it (here: this machine's sh). */
function read(pairs: Array<[string, number]>) {
  const r = spawnSync('sh', ['-c', READ_LOGS_SCRIPT, 'sh', ...pairs.flatMap(([f, o]) => [f, String(o)])]);
  expect(r.status).toBe(0);
  return parseLogChunks(r.stdout, pairs.length);
}

describe('reading the logs of a host in one exec', () => {
  it('returns new bytes (binary-safe, newlines and all) per file, restarts a rotated file, starts an adopted one at its end, and marks a missing one', () => {
    const a = join(dir, 'a.log');
    const b = join(dir, "it's b.log");
    writeFileSync(a, Buffer.from([0x68, 0x69, 0x0a, 0xe2, 0x82]));
    writeFileSync(b, 'old output\n');
    const [first, adopted, missing] = read([[a, 0], [b, -1], [join(dir, 'none.log'), 0]]);
    expect(first).toEqual({ size: 5, bytes: Buffer.from([0x68, 0x69, 0x0a, 0xe2, 0x82]) });
    expect(adopted).toEqual({ size: 11, bytes: Buffer.alloc(0) });
    expect(missing).toBeNull();
    appendFileSync(a, Buffer.from([0xac, 0x0a]));
    appendFileSync(b, 'new\n');
    const [more, fresh] = read([[a, 5], [b, 11]]);
    expect(more!.bytes).toEqual(Buffer.from([0xac, 0x0a]));
    expect(fresh!.bytes.toString()).toBe('new\n');
    writeFileSync(a, 'x\n'); // rotated: smaller than the offset
    expect(read([[a, 7]])[0]).toEqual({ size: 2, bytes: Buffer.from('x\n') });
  });
});

describe('remoteAgentEnv', () => {
  it("sends flotilla's and the profile's variables, never this machine's own environment", () => {
    const local = { PATH: '/usr/bin', HOME: '/root', LANG: 'C.UTF-8', TOKEN: 'same' };
    const env = { PATH: '/usr/bin:/x', HOME: '/root', LANG: 'C.UTF-8', TOKEN: 'same', API_KEY: 'k', FLOTILLA_TASK: 't', 'BAD-NAME': 'x' };
    expect(remoteAgentEnv(env, local)).toEqual({ API_KEY: 'k', FLOTILLA_TASK: 't' });
  });
});
